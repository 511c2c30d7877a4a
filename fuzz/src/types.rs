//! Key and value types the `types` target adds to `tophash::testing`'s:
//! a one-byte value (split key/value layout) and a heap-owning,
//! drop-counting value.

use std::cell::Cell;
use std::fmt;
use std::hash::{Hash, Hasher};

use tophash::testing::Lift;

/// A one-byte value: `(u64, Byte)` would pad, so the engine stores keys and
/// values in separate arrays (Go's layout).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Byte(pub u8);

impl Lift for Byte {
    fn lift(x: u32) -> Self {
        Byte(x as u8)
    }
    fn lower(&self) -> u32 {
        self.0 as u32
    }
}

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
}

/// A key or value that owns a heap allocation and counts live instances:
/// a leak shows in [`Counted::live`], a double drop as a double free (the
/// allocator aborts) or a negative count, a read of a dropped value as a
/// torn id.
pub struct Counted {
    id: u32,
    heap: Box<u32>,
}

impl Counted {
    /// Instances alive on this thread.
    pub fn live() -> isize {
        LIVE.with(|l| l.get())
    }

    fn new(id: u32) -> Self {
        LIVE.with(|l| l.set(l.get() + 1));
        Counted { id, heap: Box::new(id) }
    }
}

impl Lift for Counted {
    fn lift(x: u32) -> Self {
        Counted::new(x)
    }
    fn lower(&self) -> u32 {
        assert_eq!(*self.heap, self.id, "a Counted value was torn");
        self.id
    }
}

impl Default for Counted {
    fn default() -> Self {
        Counted::new(0)
    }
}

impl Clone for Counted {
    fn clone(&self) -> Self {
        Counted::new(self.lower())
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        LIVE.with(|l| l.set(l.get() - 1));
    }
}

impl PartialEq for Counted {
    fn eq(&self, o: &Self) -> bool {
        self.lower() == o.lower()
    }
}

impl Eq for Counted {}

impl Hash for Counted {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.lower().hash(h);
    }
}

impl fmt::Debug for Counted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "C{}", self.id)
    }
}
