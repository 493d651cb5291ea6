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
//! Free slots are kept per thread, last in first out: a call reuses the slot this thread freed
//! last, whose cache lines are most likely still in this core's cache, rather than one another
//! core wrote, and taking or giving back a slot takes no lock. Only finished futures come back
//! (a finished `async` state machine holds nothing), and at most [`KEEP`] slots are kept per
//! thread and operation; a call that is cancelled drops its slot instead.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::thread::LocalKey;

use tokio_util::sync::ReusableBoxFuture;

/// Slots kept for reuse per thread: enough for 64 calls in flight on one runtime thread, at
/// about 6 KB each.
const KEEP: usize = 64;

/// The free slots of one thread, for futures with output `T`.
pub(crate) type FreeSlots<T> = RefCell<Vec<ReusableBoxFuture<'static, T>>>;

/// Free slots for futures with output `T`, one list per thread (`free` is a `thread_local!`).
pub(crate) struct FuturePool<T: 'static> {
    free: &'static LocalKey<FreeSlots<T>>,
}

impl<T: 'static> FuturePool<T> {
    pub(crate) const fn new(free: &'static LocalKey<FreeSlots<T>>) -> Self {
        FuturePool { free }
    }

    /// `future` in a heap slot, a reused one when this thread has one.
    pub(crate) fn boxed<F>(&self, future: F) -> ReusableBoxFuture<'static, T>
    where
        F: Future<Output = T> + Send + 'static,
    {
        // `try_with` fails only while the thread is being torn down.
        let reused = self
            .free
            .try_with(|free| free.borrow_mut().pop())
            .ok()
            .flatten();
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
        let _ = self.free.try_with(|free| {
            let mut free = free.borrow_mut();
            if free.len() < KEEP {
                free.push(slot);
            }
        });
    }

    #[cfg(test)]
    fn free_slots(&self) -> usize {
        self.free.with(|free| free.borrow().len())
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

    thread_local! {
        static FREE: FreeSlots<u32> = const { RefCell::new(Vec::new()) };
    }

    #[test]
    fn slots_are_reused_per_thread_and_bounded() {
        let pool = FuturePool::new(&FREE);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let mut slot = pool.boxed(async { 1 });
            assert_eq!((&mut slot).await, 1);
            pool.recycle(slot);
            assert_eq!(pool.free_slots(), 1);

            // A reused slot runs the new future, not the old one.
            let mut slot = pool.boxed(async { 2 });
            assert_eq!(pool.free_slots(), 0);
            assert_eq!((&mut slot).await, 2);
            pool.recycle(slot);
        });

        // Another thread has its own slots.
        std::thread::scope(|s| {
            s.spawn(|| assert_eq!(FuturePool::new(&FREE).free_slots(), 0));
        });
        assert_eq!(pool.free_slots(), 1);

        for _ in 0..KEEP + 10 {
            pool.recycle(ReusableBoxFuture::new(async { 0 }));
        }
        assert_eq!(pool.free_slots(), KEEP);
    }
}
