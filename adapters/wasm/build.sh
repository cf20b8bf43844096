#!/usr/bin/env bash
# Builds the npm package `vaultcred` into adapters/wasm/pkg/: the optimised .wasm, the JS glue
# and the TypeScript declarations, from the Rust source only (no downloaded binaries).
#
# Needs: the wasm32-unknown-unknown target (`rustup target add wasm32-unknown-unknown`) and
# wasm-bindgen-cli at the exact version of the wasm-bindgen crate in Cargo.lock
# (`cargo install wasm-bindgen-cli --version <that version> --locked`).
#
# Target: `--target nodejs` (CommonJS, loads the .wasm synchronously), which Node 20 imports from
# both `require` and `import { Client } from "vaultcred"`. Set WASM_BINDGEN_TARGET=web for Deno,
# workers and browsers (ES module with an explicit `init()`), or another wasm-bindgen target.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
bindgen_target="${WASM_BINDGEN_TARGET:-nodejs}"
pkg="$here/pkg"

locked="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$root/Cargo.lock")"
have="$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }')"
if [ "$have" != "$locked" ]; then
  echo "build.sh: wasm-bindgen-cli ${have:-missing}, Cargo.lock has wasm-bindgen $locked;" >&2
  echo "  run: cargo install wasm-bindgen-cli --version $locked --locked" >&2
  exit 1
fi

started=$SECONDS
cargo build --manifest-path "$root/Cargo.toml" -p vaultcred-wasm \
  --target wasm32-unknown-unknown --profile wasm-release
rm -rf "$pkg"
wasm-bindgen --target "$bindgen_target" --out-dir "$pkg" --out-name vaultcred \
  --remove-name-section --remove-producers-section \
  "$target_dir/wasm32-unknown-unknown/wasm-release/vaultcred_wasm.wasm"

version="$(awk -F'"' '/^\[workspace.package\]/ { in_ws = 1 } in_ws && /^version = / { print $2; exit }' "$root/Cargo.toml")"
cat > "$pkg/package.json" <<JSON
{
  "name": "vaultcred",
  "version": "$version",
  "description": "Per-organisation credentials from HashiCorp Vault: the vaultcred core in WebAssembly, driven by fetch",
  "license": "MIT OR Apache-2.0",
  "main": "vaultcred.js",
  "types": "vaultcred.d.ts",
  "files": ["vaultcred.js", "vaultcred.d.ts", "vaultcred_bg.wasm", "vaultcred_bg.wasm.d.ts"],
  "engines": { "node": ">=20" },
  "sideEffects": false
}
JSON

wasm="$pkg/vaultcred_bg.wasm"
raw=$(wc -c < "$wasm")
gz=$(gzip -9 -c "$wasm" | wc -c)
echo "build.sh: $pkg ($bindgen_target) in $((SECONDS - started)) s"
echo "build.sh: vaultcred_bg.wasm $raw bytes ($((raw / 1024)) KiB), gzip -9 $gz bytes ($((gz / 1024)) KiB)"
