//! Reused heap slots for the SDK's call futures.
//!
//! An SDK `send()` future is several kilobytes (the orchestrator's whole state), and the
//! object-safe `Backend` trait makes the backend box it once per call, where the raw client keeps
//! it inline in the caller's task. With glibc's allocator, a fresh allocation of that size on every
//! call is not just one `malloc`: a request above the small-bin range first consolidates the
//! allocator's fast bins, which the SDK's many small allocations keep full. Measured with
//! cachegrind on InvokeModel against the emulator, that was about 4,600 of the 9,500 instructions
//! the backend added per call. Reusing the slot of a finished call avoids it.
//!
//! Only finished futures come back to the pool (a finished `async` state machine holds nothing),
//! and at most [`KEEP`] slots are kept; a call that is cancelled drops its slot instead.

use std::fmt;
use std::future::Future;
use std::sync::{Mutex, PoisonError};

use tokio_util::sync::ReusableBoxFuture;

/// Slots kept for reuse: enough for 64 calls in flight per operation, at about 6 KB each.
const KEEP: usize = 64;

/// Free slots for futures with output `T`.
pub(crate) struct FuturePool<T> {
    free: Mutex<Vec<ReusableBoxFuture<'static, T>>>,
}

impl<T> FuturePool<T> {
    pub(crate) fn new() -> Self {
        FuturePool {
            free: Mutex::new(Vec::new()),
        }
    }

    /// `future` in a heap slot, a reused one when the pool has one.
    pub(crate) fn boxed<F>(&self, future: F) -> ReusableBoxFuture<'static, T>
    where
        F: Future<Output = T> + Send + 'static,
    {
        let reused = self
            .free
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        match reused {
            Some(mut slot) => {
                slot.set(future);
                slot
            }
            None => ReusableBoxFuture::new(future),
        }
    }

    /// Gives back the slot of a future that has finished.
    pub(crate) fn recycle(&self, slot: ReusableBoxFuture<'static, T>) {
        let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
        if free.len() < KEEP {
            free.push(slot);
        }
    }

    #[cfg(test)]
    fn free_slots(&self) -> usize {
        self.free
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

impl<T> fmt::Debug for FuturePool<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FuturePool").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn slots_are_reused_and_bounded() {
        let pool = FuturePool::<u32>::new();
        let mut slot = pool.boxed(async { 1 });
        assert_eq!((&mut slot).await, 1);
        pool.recycle(slot);
        assert_eq!(pool.free_slots(), 1);

        // A reused slot runs the new future, not the old one.
        let mut slot = pool.boxed(async { 2 });
        assert_eq!(pool.free_slots(), 0);
        assert_eq!((&mut slot).await, 2);
        pool.recycle(slot);

        for _ in 0..KEEP + 10 {
            pool.recycle(ReusableBoxFuture::new(async { 0 }));
        }
        assert_eq!(pool.free_slots(), KEEP);
    }
}
