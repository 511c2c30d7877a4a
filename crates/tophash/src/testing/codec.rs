//! The types the runners store and how the model's numbers map to them:
//! [`Lift`] for plain key and value types ([`Big`] among them), the
//! [`Codec`]s the map runner uses ([`Plain`], [`TrackedCodec`]), and the set
//! runner's [`Tagged`] elements with their [`Id`] queries.

use core::hash::{BuildHasher, Hash, Hasher};
use std::format;
use std::string::String;

use equivalent::Equivalent;

use super::{Ledger, Tracked};
use crate::hash_map::Entry;

/// The model's key type. Small, so that random keys hit each other.
pub type Key = u16;
/// The model's value type.
pub type Val = u32;

/// A type the runner can build from a model number and read back. `lower`
/// may lose information (a zero-sized type lowers to 0); the model stores
/// `lower(lift(x))`.
pub trait Lift: Sized {
    /// The value for model number `x`.
    fn lift(x: u32) -> Self;
    /// The model number of `self`.
    fn lower(&self) -> u32;
}

impl Lift for u16 {
    fn lift(x: u32) -> Self {
        x as u16
    }
    fn lower(&self) -> u32 {
        *self as u32
    }
}

impl Lift for u32 {
    fn lift(x: u32) -> Self {
        x
    }
    fn lower(&self) -> u32 {
        *self
    }
}

impl Lift for u64 {
    fn lift(x: u32) -> Self {
        // Spread over the high half too, so the whole key is hashed.
        (x as u64) << 40 | x as u64
    }
    fn lower(&self) -> u32 {
        *self as u32
    }
}

impl Lift for () {
    fn lift(_: u32) -> Self {}
    fn lower(&self) -> u32 {
        0
    }
}

/// 0 is the empty string, which is `String::default()`, so [`Plain`]'s
/// `or_default` holds for `String` values; any other `x` is `key-{x}-`
/// padded with `x % 40` bytes, so lengths vary.
impl Lift for String {
    fn lift(x: u32) -> Self {
        match x {
            0 => String::new(),
            _ => format!("key-{x}-{}", "x".repeat(x as usize % 40)),
        }
    }
    fn lower(&self) -> u32 {
        if self.is_empty() {
            return 0;
        }
        self.strip_prefix("key-").and_then(|r| r.split('-').next()?.parse().ok()).expect("a lifted String")
    }
}

/// A 512-byte value (Go would box it; this crate stores it inline).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Big(pub [u64; 64]);

impl Default for Big {
    fn default() -> Self {
        Big([0; 64])
    }
}

impl Lift for Big {
    fn lift(x: u32) -> Self {
        let mut a = [0u64; 64];
        for (i, w) in a.iter_mut().enumerate() {
            *w = (x as u64).wrapping_mul(i as u64 + 1);
        }
        Big(a)
    }
    fn lower(&self) -> u32 {
        let x = self.0[0] as u32;
        assert_eq!(*self, Big::lift(x), "a Big value was torn");
        x
    }
}

/// Maps the model's keys and values to the map's types and back.
pub trait Codec<K, V> {
    /// The map key for a model key.
    fn key(&self, k: Key) -> K;
    /// The model key of a map key.
    fn key_of(&self, k: &K) -> Key;
    /// The map value for a model value.
    fn val(&self, v: Val) -> V;
    /// The model value of a map value.
    fn val_of(&self, v: &V) -> Val;
    /// `Entry::or_default` where `V: Default` (its default must lower to
    /// 0); otherwise inserting the value for 0.
    fn or_default<'a, S: BuildHasher>(&self, e: Entry<'a, K, V, S>) -> &'a mut V
    where
        K: Hash,
    {
        e.or_insert_with(|| self.val(0))
    }
}

/// The codec for [`Lift`] types.
#[derive(Clone, Copy, Debug, Default)]
pub struct Plain;

impl<K: Lift, V: Lift + Default> Codec<K, V> for Plain {
    fn key(&self, k: Key) -> K {
        K::lift(k as u32)
    }
    fn key_of(&self, k: &K) -> Key {
        k.lower() as Key
    }
    fn val(&self, v: Val) -> V {
        V::lift(v)
    }
    fn val_of(&self, v: &V) -> Val {
        v.lower()
    }
    fn or_default<'a, S: BuildHasher>(&self, e: Entry<'a, K, V, S>) -> &'a mut V
    where
        K: Hash,
    {
        e.or_default()
    }
}

/// The codec for [`Tracked`] keys and values of one ledger.
#[derive(Clone, Copy, Debug)]
pub struct TrackedCodec(pub &'static Ledger);

impl Codec<Tracked, Tracked> for TrackedCodec {
    fn key(&self, k: Key) -> Tracked {
        self.0.make(k as u32)
    }
    fn key_of(&self, k: &Tracked) -> Key {
        k.id as Key
    }
    fn val(&self, v: Val) -> Tracked {
        self.0.make(v)
    }
    fn val_of(&self, v: &Tracked) -> Val {
        v.id
    }
}

/// A set element, equal to and hashed like every other `Tagged` with the
/// same `id`; the `tag` tells equal elements apart.
#[derive(Clone, Copy, Debug)]
pub struct Tagged {
    /// What the set compares and hashes.
    pub id: Key,
    /// Which of the equal elements this is.
    pub tag: Val,
}

impl PartialEq for Tagged {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Eq for Tagged {}

impl Hash for Tagged {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.id.hash(h);
    }
}

/// A borrowed-style query for a [`Tagged`]: hashes and compares like one
/// with the same id.
#[derive(Clone, Copy, Debug)]
pub struct Id(pub Key);

impl Hash for Id {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.0.hash(h);
    }
}

impl Equivalent<Tagged> for Id {
    fn equivalent(&self, k: &Tagged) -> bool {
        self.0 == k.id
    }
}
