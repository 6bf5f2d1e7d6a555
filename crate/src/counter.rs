//! Counts the MACs the convolutions and linear layers actually executed on this thread, from
//! the shapes of the tensors they were given (a 3x3 convolution counts its direct form's MACs
//! also when it runs as Winograd, which needs fewer multiplies). Tests compare it with the
//! trace's accounting to show that skipped blocks and channels are not computed.

use std::cell::Cell;

thread_local! {
    static EXECUTED: Cell<u64> = const { Cell::new(0) };
}

pub(crate) fn add(macs: usize) {
    EXECUTED.with(|c| c.set(c.get() + macs as u64));
}

/// MACs executed on this thread since the last [`take`].
pub fn take() -> u64 {
    EXECUTED.with(|c| c.replace(0))
}
