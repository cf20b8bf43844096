//! A counting global allocator.
//!
//! Counters are kept per thread, so the test harness's other threads (and a server thread) do
//! not disturb a measurement made on one thread. Install it in a test or bench binary with:
//!
//! ```ignore
//! #[global_allocator]
//! static ALLOC: vaultcred_bench::alloc::CountingAlloc = vaultcred_bench::alloc::CountingAlloc;
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// Counts of the current thread since it started (or since the last [`reset`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Calls to `alloc`/`alloc_zeroed`, and `realloc`s (each counts as one allocation).
    pub allocations: u64,
    /// Calls to `dealloc`.
    pub deallocations: u64,
    /// Bytes requested by allocations (a `realloc` adds its new size).
    pub bytes_allocated: u64,
    /// Bytes released (a `realloc` adds its old size).
    pub bytes_freed: u64,
}

impl Counts {
    const ZERO: Counts = Counts {
        allocations: 0,
        deallocations: 0,
        bytes_allocated: 0,
        bytes_freed: 0,
    };

    /// Bytes allocated and not yet freed by this thread (may be negative if it freed memory
    /// another thread allocated).
    pub fn live_bytes(&self) -> i64 {
        self.bytes_allocated as i64 - self.bytes_freed as i64
    }

    /// The counts accumulated between `earlier` and `self`.
    pub fn since(&self, earlier: &Counts) -> Counts {
        Counts {
            allocations: self.allocations - earlier.allocations,
            deallocations: self.deallocations - earlier.deallocations,
            bytes_allocated: self.bytes_allocated - earlier.bytes_allocated,
            bytes_freed: self.bytes_freed - earlier.bytes_freed,
        }
    }
}

thread_local! {
    // `const`-initialised `Cell` of a `Copy` type: no lazy initialisation and no destructor, so
    // touching it from inside the allocator cannot recurse into the allocator.
    static COUNTS: Cell<Counts> = const { Cell::new(Counts::ZERO) };
}

fn record(f: impl FnOnce(&mut Counts)) {
    // `try_with`: during thread teardown the slot may be gone; such frees are not counted.
    let _ = COUNTS.try_with(|cell| {
        let mut counts = cell.get();
        f(&mut counts);
        cell.set(counts);
    });
}

/// The current thread's counts.
pub fn counts() -> Counts {
    COUNTS.try_with(Cell::get).unwrap_or_default()
}

/// Resets the current thread's counts to zero.
pub fn reset() {
    let _ = COUNTS.try_with(|cell| cell.set(Counts::ZERO));
}

/// Runs `f` and returns its result with the allocations the current thread made during it.
pub fn measure<R>(f: impl FnOnce() -> R) -> (R, Counts) {
    let before = counts();
    let result = f();
    (result, counts().since(&before))
}

/// The system allocator, counting per thread. See the module docs.
#[derive(Debug, Clone, Copy, Default)]
pub struct CountingAlloc;

#[allow(
    unsafe_code,
    reason = "a global allocator is an unsafe trait; every call is forwarded to `System` unchanged"
)]
// SAFETY: every method forwards to `System` with the caller's arguments; the counting touches
// only a thread-local `Cell` and never allocates.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        record(|c| {
            c.allocations += 1;
            c.bytes_allocated += layout.size() as u64;
        });
        // SAFETY: forwarded unchanged; the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        record(|c| {
            c.allocations += 1;
            c.bytes_allocated += layout.size() as u64;
        });
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        record(|c| {
            c.deallocations += 1;
            c.bytes_freed += layout.size() as u64;
        });
        // SAFETY: as above; `ptr` was allocated by `System` through this allocator.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        record(|c| {
            c.allocations += 1;
            c.bytes_allocated += new_size as u64;
            c.bytes_freed += layout.size() as u64;
        });
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}
