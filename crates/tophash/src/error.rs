//! The error `try_reserve` returns.

use core::alloc::Layout;
use core::fmt;

/// Why a `try_reserve` failed (the same variants as hashbrown's).
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum TryReserveError {
    /// The requested capacity cannot be represented: the bucket array would
    /// exceed `isize::MAX` bytes or the bucket count would overflow `usize`.
    CapacityOverflow,
    /// The allocator refused the bucket array.
    AllocError {
        /// The layout of the refused allocation.
        layout: Layout,
    },
}

impl fmt::Display for TryReserveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryReserveError::CapacityOverflow => {
                f.write_str("memory allocation failed because the computed capacity exceeded the collection's maximum")
            }
            TryReserveError::AllocError { layout } => {
                write!(f, "memory allocation of {} bytes failed", layout.size())
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for TryReserveError {}
