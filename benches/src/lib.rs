//! Support code for vaultcred's benchmarks (results and method in `BENCHMARKS.md`).
//!
//! - [`affinity::pin_to_one_cpu`]: pins the loopback benchmarks to one CPU (see there why).
//! - [`alloc::CountingAlloc`]: a global allocator that counts, per thread, the allocations and
//!   the bytes live, for the zero-allocation proof and the memory-per-org figure.
//! - [`bodies`]: the Vault answers the benchmarks use, taken from `vaultcred_fixtures::recorded`
//!   (the KV v2 read padded to exactly 1 KiB with `custom_metadata`).
//! - [`server::LoopbackServer`]: a minimal HTTP/1.1 keep-alive server on `127.0.0.1`, one OS
//!   thread per connection, answering pre-rendered recorded responses, so that the server's own
//!   cost stays far below the clients' and does not hide their differences.
//! - [`core_drive`]: drives one `vaultcred-core` operation against in-memory responses.
//! - [`report`]: reads criterion's medians back to print the ratios of the same run.

pub mod affinity;
pub mod alloc;
pub mod bodies;
pub mod core_drive;
pub mod report;
pub mod server;

/// The p-th percentile (0.0..=100.0, nearest rank) of sorted samples; `None` if there are none.
///
/// ```
/// let v = [1u64, 2, 3, 4, 5, 6, 7, 8, 9, 10];
/// assert_eq!(vaultcred_bench::percentile(&v, 50.0), Some(5));
/// assert_eq!(vaultcred_bench::percentile(&v, 99.0), Some(10));
/// assert_eq!(vaultcred_bench::percentile(&[] as &[u64], 50.0), None);
/// ```
pub fn percentile<T: Copy>(sorted: &[T], p: f64) -> Option<T> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}
