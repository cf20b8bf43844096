//! Pinning the benchmark process to one CPU (Linux), for reproducible loopback round trips.
//!
//! On a small VM, a loopback round trip between two threads on two cores costs a cross-core
//! wake-up each way; when the other core is idle that wake-up goes through the hypervisor and
//! adds tens of microseconds that vary with whatever else the machine runs. With every thread
//! of the process on one CPU, a round trip is two context switches, and what is measured is the
//! CPU work of client, server and kernel: the strictest setting for comparing clients (nothing
//! hides a client's overhead) and one that another single-threaded job on the machine does not
//! disturb (the scheduler moves it to the other core).

/// Pins the calling thread — and so every thread it spawns afterwards — to the highest-numbered
/// CPU it may run on. Returns that CPU, or `None` if pinning is unavailable or
/// `VAULTCRED_BENCH_NO_PIN` is set.
pub fn pin_to_one_cpu() -> Option<usize> {
    if std::env::var_os("VAULTCRED_BENCH_NO_PIN").is_some() {
        return None;
    }
    imp::pin()
}

/// Pins the calling thread to the `n`-th CPU it may run on (counting from 0), for benchmarks
/// that put one thread on each core. Returns that CPU, or `None` if there are not `n + 1`
/// CPUs, pinning is unavailable, or `VAULTCRED_BENCH_NO_PIN` is set.
pub fn pin_to_nth_cpu(n: usize) -> Option<usize> {
    if std::env::var_os("VAULTCRED_BENCH_NO_PIN").is_some() {
        return None;
    }
    imp::pin_nth(n)
}

#[cfg(target_os = "linux")]
#[allow(
    unsafe_code,
    reason = "sched_getaffinity/sched_setaffinity on a zeroed, stack-owned cpu_set_t"
)]
mod imp {
    pub(super) fn pin() -> Option<usize> {
        let allowed = allowed()?;
        pin_exactly(*allowed.last()?)
    }

    pub(super) fn pin_nth(n: usize) -> Option<usize> {
        pin_exactly(*allowed()?.get(n)?)
    }

    /// The CPUs the calling thread may run on, in increasing order.
    fn allowed() -> Option<Vec<usize>> {
        // SAFETY: `cpu_set_t` is plain data; all-zero is the empty set.
        let mut allowed: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        let size = std::mem::size_of::<libc::cpu_set_t>();
        // SAFETY: pid 0 = the calling thread; `allowed` is a valid, writable set of `size` bytes.
        if unsafe { libc::sched_getaffinity(0, size, &mut allowed) } != 0 {
            return None;
        }
        // SAFETY: CPU_ISSET only reads the set, with an index below CPU_SETSIZE.
        Some(
            (0..libc::CPU_SETSIZE as usize)
                .filter(|&c| unsafe { libc::CPU_ISSET(c, &allowed) })
                .collect(),
        )
    }

    /// Pins the calling thread to `cpu` (below CPU_SETSIZE).
    fn pin_exactly(cpu: usize) -> Option<usize> {
        let size = std::mem::size_of::<libc::cpu_set_t>();
        // SAFETY: `cpu_set_t` is plain data; all-zero is the empty set.
        let mut one: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        // SAFETY: `cpu` < CPU_SETSIZE; `one` is a valid set.
        unsafe { libc::CPU_SET(cpu, &mut one) };
        // SAFETY: pid 0 = the calling thread; `one` is a valid set of `size` bytes.
        (unsafe { libc::sched_setaffinity(0, size, &one) } == 0).then_some(cpu)
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    pub(super) fn pin() -> Option<usize> {
        None
    }
    pub(super) fn pin_nth(_: usize) -> Option<usize> {
        None
    }
}
