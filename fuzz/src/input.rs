//! Reading the fuzzer's bytes: [`Input`] (every read past the end is 0, so
//! any input decodes), the key spaces a run draws from, and the values and
//! scattered key runs the decoders share.

use tophash::testing::{Key, Val};

/// The fuzzer's bytes as a stream of numbers; every read past the end is 0,
/// so any input decodes.
#[derive(Debug)]
pub struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    /// A reader over `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Input { data }
    }

    /// Whether every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The next byte.
    pub fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    /// The next two bytes, little-endian.
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }

    /// The next four bytes, little-endian.
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }

    /// A flag from one byte.
    pub fn bool(&mut self) -> bool {
        self.u8() & 1 == 1
    }
}

/// Key spaces a run draws from: tiny ones make every call hit an existing
/// key; the largest lets a table grow to `B` = 14.
pub(crate) const KEY_SPACES: [u32; 8] = [2, 8, 16, 64, 256, 1024, 4096, 65536];

/// How a decoder reads keys.
#[derive(Clone, Copy, Debug)]
pub struct Keys {
    pub(crate) space: u32,
}

impl Keys {
    /// Reads the key space from one byte.
    pub fn read(inp: &mut Input<'_>) -> Self {
        Keys { space: KEY_SPACES[inp.u8() as usize % KEY_SPACES.len()] }
    }

    /// A key from the next two bytes.
    pub(crate) fn key(self, inp: &mut Input<'_>) -> Key {
        (inp.u16() as u32 % self.space) as Key
    }

    /// `k` brought into the key space.
    pub(crate) fn wrap(self, k: u32) -> Key {
        (k % self.space) as Key
    }
}

/// Caps on the macros, per target.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Most keys a bulk insert or remove touches.
    pub bulk: usize,
    /// Most steps of a FIFO.
    pub fifo: usize,
}

/// A scattering bijection of `t` (consecutive integers spread so evenly
/// under foldhash that a FIFO of them would never overflow a bucket).
pub(crate) fn scatter(t: u32) -> u32 {
    let k = t.wrapping_mul(0x9e37_79b1);
    k ^ (k >> 15)
}

/// A value: small (one byte) half the time.
pub(crate) fn value(inp: &mut Input<'_>) -> Val {
    // Small values half the time, so `AndModify` sums stay readable.
    let b = inp.u8();
    if b & 1 == 0 {
        (b >> 1) as Val
    } else {
        inp.u32()
    }
}
