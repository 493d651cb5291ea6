//! What every harness binary shares: a global allocator that aborts on any single allocation
//! over [`MAX_ALLOCATION`], so "bounded allocation" is checked during a campaign. libFuzzer's
//! own `-malloc_limit_mb` needs a sanitizer's allocator hooks, which `-s none` does not have;
//! `-rss_limit_mb` (set by `fuzz/run`) still bounds the total.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write as _;

/// The largest single allocation a target may make from one input: inputs are at most a few
/// KB, and the largest legitimate buffer (a 1024 × 1024 RGB image and its PNG) is under 8 MB.
pub const MAX_ALLOCATION: usize = 256 << 20;

struct CappedAllocator;

fn check(size: usize) {
    if size > MAX_ALLOCATION {
        // No formatting machinery here: it could allocate from inside the allocator.
        let mut digits = [0u8; 20];
        let mut n = size;
        let mut start = digits.len();
        while n > 0 || start == digits.len() {
            start -= 1;
            digits[start] = b'0' + (n % 10) as u8;
            n /= 10;
        }
        let mut err = std::io::stderr();
        let _ = err.write_all(b"==bedrock-fuzz== allocation of ");
        let _ = err.write_all(&digits[start..]);
        let _ = err.write_all(b" bytes exceeds MAX_ALLOCATION (256 MiB): unbounded allocation\n");
        std::process::abort();
    }
}

// SAFETY: every call is forwarded unchanged to `System`; `check` only reads the size.
unsafe impl GlobalAlloc for CappedAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        check(layout.size());
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        check(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        check(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: CappedAllocator = CappedAllocator;

/// Runs one target body on one input (the binaries call this so the allocator above is linked).
pub fn run(target: fn(&[u8]), data: &[u8]) {
    target(data);
}
