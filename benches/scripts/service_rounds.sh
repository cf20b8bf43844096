#!/usr/bin/env bash
# Alternated wrk rounds of the service against the limit (BENCHMARKS.md, "The credential backend
# service"): each round runs the limit, then each service binary given, and prints req/s, p50 and
# p99; the medians and ratios follow.
#
#   cargo build --release -p vaultcred-bench --example service_load
#   bash benches/scripts/service_rounds.sh 5 target/release/examples/service_load [OTHER_BUILD...]
#
# The first binary also serves the limit (`--limit`). Needs wrk and curl; run on an idle machine.
set -euo pipefail
rounds=$1
shift
out=$(mktemp)
trap 'rm -f "$out" "$out.log"' EXIT

one() { # BINARY [--limit]
  "$@" 10000 >"$out.log" 2>&1 &
  local pid=$! url="" key="" header
  for _ in $(seq 1 150); do
    url=$(sed -n 's/^URL=//p' "$out.log" | head -1)
    [ -n "$url" ] && break
    sleep 0.2
  done
  key=$(sed -n 's/^KEY=//p' "$out.log" | head -1)
  if [ -n "$key" ]; then header="authorization: Bearer $key"; else header="x-limit: 1"; fi
  curl -s -o /dev/null -H "$header" "$url"
  wrk -t2 -c32 -d10s --latency -H "$header" "$url" \
    | awk '/^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 } /Requests\/sec/ { rps = $2 }
           END { print rps, p50, p99 }'
  kill "$pid"
  wait "$pid" 2>/dev/null || true
}

for round in $(seq 1 "$rounds"); do
  echo "limit $(one "$1" --limit)" | tee -a "$out"
  for binary in "$@"; do
    echo "$binary $(one "$binary")" | tee -a "$out"
  done
done
python3 - "$out" <<'PY'
import statistics, sys
runs = {}
latencies = {}
for line in open(sys.argv[1]):
    name, rps, p50, p99 = line.strip().rsplit(" ", 3)
    runs.setdefault(name, []).append(float(rps))
    latencies.setdefault(name, []).append(f"{p50} / {p99}")
limit = statistics.median(runs["limit"])
for name, values in runs.items():
    median = statistics.median(values)
    print(f"{name}: median {median:,.0f} req/s, ratio {median / limit:.3f}; "
          f"p50 / p99 by round: {', '.join(latencies[name])}")
PY
