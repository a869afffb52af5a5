//! Task futures in memory reused from run to run: the engine's one `unsafe` module.
//!
//! A sweep runs the same model millions of times, and every run spawns the same task bodies.
//! Boxing each body anew cost a heap allocation and a free per task per run, about a twentieth
//! of a whole wlog schedule. A [`TaskBox`] is a pinned, type-erased future like
//! `Pin<Box<dyn Future>>`, but its memory can go back to a [`Recycler`] once the future is
//! dropped, and the next task whose future has the same layout is written into it.
//!
//! Why this is sound:
//! - a `TaskBox` owns its memory and its future; the future is written once, never moved
//!   (the box is the only pointer to it, and polling goes through `Pin::new_unchecked` on
//!   memory that stays put until the future is dropped), and dropped exactly once, by
//!   [`TaskBox::into_block`] or by `Drop`;
//! - a [`Block`] is memory of a known layout holding nothing; it is reused only for a future
//!   of exactly that layout, and deallocated with it;
//! - zero-sized futures take no memory (a dangling, aligned pointer).
//!
//! The tests below check drops, reuse and zero-sized futures.

use std::alloc::{self, Layout};
use std::future::Future;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll};

/// A task's future, pinned in memory that a [`Recycler`] may reuse after it.
pub(crate) struct TaskBox {
    future: NonNull<dyn Future<Output = ()>>,
    layout: Layout,
}

/// Memory for a future of layout `layout`, holding nothing.
pub(crate) struct Block {
    ptr: NonNull<u8>,
    layout: Layout,
}

impl Block {
    /// Fresh memory of `layout` (none for a zero-sized one).
    fn new(layout: Layout) -> Self {
        let ptr = if layout.size() == 0 {
            // Aligned and never dereferenced for a zero-sized value.
            NonNull::new(std::ptr::without_provenance_mut(layout.align()))
                .expect("an alignment is never 0")
        } else {
            // SAFETY: the size is not zero.
            NonNull::new(unsafe { alloc::alloc(layout) })
                .unwrap_or_else(|| alloc::handle_alloc_error(layout))
        };
        Self { ptr, layout }
    }
}

impl Drop for Block {
    fn drop(&mut self) {
        if self.layout.size() != 0 {
            // SAFETY: allocated by `Block::new` with this layout, and holding no value.
            unsafe { alloc::dealloc(self.ptr.as_ptr(), self.layout) }
        }
    }
}

impl TaskBox {
    /// The future `make` returns, written into `block` (taken with [`Recycler::block`] for
    /// its type), where it stays: `make` runs here so that the future is built in place,
    /// rather than built elsewhere and copied (task futures are hundreds of bytes).
    #[inline(always)]
    pub(crate) fn new_in<F: Future<Output = ()> + 'static>(
        block: Block,
        make: impl FnOnce() -> F,
    ) -> Self {
        assert_eq!(
            block.layout,
            Layout::new::<F>(),
            "a block of the future's layout"
        );
        let ptr = block.ptr.cast::<F>();
        let future = make();
        // The block's memory now belongs to the box.
        std::mem::forget(block);
        // SAFETY: the memory is valid for writes of `F` (its layout), and holds no value.
        unsafe { ptr.as_ptr().write(future) };
        let future: NonNull<dyn Future<Output = ()>> = ptr;
        Self {
            future,
            layout: Layout::new::<F>(),
        }
    }

    /// Drops the future and returns its memory, for a [`Recycler`].
    pub(crate) fn into_block(self) -> Block {
        let this = std::mem::ManuallyDrop::new(self);
        let (future, layout) = (this.future, this.layout);
        // SAFETY: the future is valid and dropped only here (`Drop` does not run for `this`).
        unsafe { std::ptr::drop_in_place(future.as_ptr()) };
        Block {
            ptr: future.cast::<u8>(),
            layout,
        }
    }
}

impl Drop for TaskBox {
    fn drop(&mut self) {
        // SAFETY: the future is valid and dropped once; the memory then holds nothing.
        unsafe { std::ptr::drop_in_place(self.future.as_ptr()) };
        drop(Block {
            ptr: self.future.cast::<u8>(),
            layout: self.layout,
        });
    }
}

impl Future for TaskBox {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: the future stays where it was written until it is dropped, and only this box
        // reaches it; `&mut self` makes this the only access.
        unsafe { Pin::new_unchecked(&mut *self.get_mut().future.as_ptr()) }.poll(cx)
    }
}

/// Blocks left by dropped task futures, for the next tasks of the same layouts.
#[derive(Default)]
pub(crate) struct Recycler {
    free: Vec<Block>,
}

/// The most blocks a recycler keeps: more than any run's tasks of one model need at once.
const KEPT: usize = 256;

impl Recycler {
    /// Memory for a future of type `F`: a block of its layout that an earlier task left, or
    /// fresh memory.
    pub(crate) fn block<F>(&mut self) -> Block {
        let layout = Layout::new::<F>();
        match self.free.iter().rposition(|b| b.layout == layout) {
            Some(i) => self.free.swap_remove(i),
            None => Block::new(layout),
        }
    }

    /// `future`, in a block from [`Recycler::block`].
    #[cfg(test)]
    fn boxed<F: Future<Output = ()> + 'static>(&mut self, future: F) -> TaskBox {
        TaskBox::new_in(self.block::<F>(), || future)
    }

    /// Keeps `block` for a later task (or frees it, past [`KEPT`] blocks).
    pub(crate) fn put(&mut self, block: Block) {
        if self.free.len() < KEPT {
            self.free.push(block);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::rc::Rc;
    use std::task::Waker;

    /// Counts its drops in the shared cell.
    struct Counted(Rc<Cell<u32>>);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }

    fn poll(b: &mut TaskBox) -> Poll<()> {
        Pin::new(b).poll(&mut Context::from_waker(Waker::noop()))
    }

    #[test]
    fn a_future_is_polled_where_it_was_written_and_dropped_once() {
        let drops = Rc::new(Cell::new(0));
        let mut recycler = Recycler::default();
        let held = Counted(drops.clone());
        let mut b = recycler.boxed(async move {
            let _held = held;
            std::future::pending::<()>().await;
        });
        assert_eq!(poll(&mut b), Poll::Pending);
        recycler.put(b.into_block());
        assert_eq!(drops.get(), 1, "into_block dropped the future");
        let held = Counted(drops.clone());
        drop(recycler.boxed(async move {
            let _held = held;
        }));
        assert_eq!(drops.get(), 2, "dropping a box drops its future");
    }

    #[test]
    fn memory_is_reused_for_the_same_layout_only() {
        let mut recycler = Recycler::default();
        let first = recycler.boxed(async { std::future::ready(()).await });
        let at = first.future.cast::<u8>();
        recycler.put(first.into_block());
        let same = recycler.boxed(async { std::future::ready(()).await });
        assert_eq!(same.future.cast::<u8>(), at, "the block was reused");
        let big = [7u8; 300];
        let mut other = recycler.boxed(async move {
            assert_eq!(big[299], 7);
        });
        assert_eq!(poll(&mut other), Poll::Ready(()));
        assert_eq!(recycler.free.len(), 0);
        recycler.put(other.into_block());
        recycler.put(same.into_block());
        assert_eq!(recycler.free.len(), 2);
    }

    #[test]
    fn zero_sized_futures_take_no_memory() {
        let mut recycler = Recycler::default();
        let mut b = recycler.boxed(std::future::pending::<()>());
        assert_eq!(b.layout.size(), 0);
        assert_eq!(poll(&mut b), Poll::Pending);
        recycler.put(b.into_block());
    }
}
