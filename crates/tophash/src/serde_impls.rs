//! `serde` support (feature `serde`): a [`HashMap`] is a map, a [`HashSet`]
//! a sequence, as for std's collections.
//!
//! Deserializing pre-reserves for the format's length hint, capped at
//! [`MAX_PREALLOC`] entries: the hint comes from the input, and a hostile
//! length must not make us allocate a huge bucket array before a single
//! entry has been read. Past the cap the table grows as entries arrive.
//! Duplicate keys: the last value wins in a map (as `insert`), the first
//! element is kept in a set.

use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use crate::{HashMap, HashSet};

/// The most entries reserved up front from a length hint (hashbrown's
/// choice).
const MAX_PREALLOC: usize = 4096;

/// How many entries to reserve for a length hint.
fn cautious(hint: Option<usize>) -> usize {
    hint.unwrap_or(0).min(MAX_PREALLOC)
}

#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl<K: Serialize, V: Serialize, S> Serialize for HashMap<K, V, S> {
    fn serialize<Ser: Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (k, v) in self {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl<T: Serialize, S> Serialize for HashSet<T, S> {
    fn serialize<Ser: Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
        let mut seq = serializer.serialize_seq(Some(self.len()))?;
        for v in self {
            seq.serialize_element(v)?;
        }
        seq.end()
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl<'de, K, V, S> Deserialize<'de> for HashMap<K, V, S>
where
    K: Deserialize<'de> + Eq + Hash,
    V: Deserialize<'de>,
    S: BuildHasher + Default,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<K, V, S>(PhantomData<HashMap<K, V, S>>);

        impl<'de, K, V, S> Visitor<'de> for MapVisitor<K, V, S>
        where
            K: Deserialize<'de> + Eq + Hash,
            V: Deserialize<'de>,
            S: BuildHasher + Default,
        {
            type Value = HashMap<K, V, S>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut map = HashMap::with_capacity_and_hasher(cautious(access.size_hint()), S::default());
                while let Some((k, v)) = access.next_entry()? {
                    map.insert(k, v);
                }
                Ok(map)
            }
        }

        deserializer.deserialize_map(MapVisitor(PhantomData))
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl<'de, T, S> Deserialize<'de> for HashSet<T, S>
where
    T: Deserialize<'de> + Eq + Hash,
    S: BuildHasher + Default,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SeqVisitor<T, S>(PhantomData<HashSet<T, S>>);

        impl<'de, T, S> Visitor<'de> for SeqVisitor<T, S>
        where
            T: Deserialize<'de> + Eq + Hash,
            S: BuildHasher + Default,
        {
            type Value = HashSet<T, S>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a sequence")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut set = HashSet::with_capacity_and_hasher(cautious(access.size_hint()), S::default());
                while let Some(v) = access.next_element()? {
                    set.insert(v);
                }
                Ok(set)
            }
        }

        deserializer.deserialize_seq(SeqVisitor(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use std::collections::hash_map::RandomState;
    use std::string::{String, ToString};
    use std::vec::Vec;

    use serde::de::value::{Error as ValueError, MapDeserializer, SeqDeserializer};

    use super::*;

    fn sorted<T: Ord + Clone>(it: impl IntoIterator<Item = T>) -> Vec<T> {
        let mut v: Vec<T> = it.into_iter().collect();
        v.sort();
        v
    }

    #[test]
    fn map_round_trip() {
        let mut m: HashMap<String, Vec<u32>> = HashMap::new();
        for i in 0..200u32 {
            m.insert(i.to_string(), (0..i % 5).collect());
        }
        let json = serde_json::to_string(&m).unwrap();
        let back: HashMap<String, Vec<u32>> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, m);
        back.check_invariants().unwrap();
        // A map is a JSON object.
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v.as_object().unwrap().len(), 200);
    }

    #[test]
    fn set_round_trip() {
        let s: HashSet<u64> = (0..1000).map(|i| i * 7).collect();
        let json = serde_json::to_string(&s).unwrap();
        let back: HashSet<u64> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, s);
        back.map.check_invariants().unwrap();
        // A set is a JSON array.
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 1000);
    }

    #[test]
    fn exact_json() {
        let m = HashMap::from([(1u8, "a")]);
        assert_eq!(serde_json::to_string(&m).unwrap(), r#"{"1":"a"}"#);
        let s = HashSet::from(["x"]);
        assert_eq!(serde_json::to_string(&s).unwrap(), r#"["x"]"#);
        let e: HashSet<u8> = HashSet::new();
        assert_eq!(serde_json::to_string(&e).unwrap(), "[]");
        let e: HashMap<u8, u8> = HashMap::new();
        assert_eq!(serde_json::to_string(&e).unwrap(), "{}");
    }

    #[test]
    fn mid_resize_round_trip() {
        let mut s = HashSet::new();
        let mut m = HashMap::new();
        for i in 0..u32::MAX {
            s.insert(i);
            if i > 100 && s.is_resizing() {
                break;
            }
        }
        for i in 0..u32::MAX {
            m.insert(i, i * 2);
            if i > 100 && m.is_resizing() {
                break;
            }
        }
        assert!(s.is_resizing() && m.is_resizing());
        let s2: HashSet<u32> = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        let m2: HashMap<u32, u32> = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(s2, s);
        assert_eq!(m2, m);
    }

    #[test]
    fn custom_hasher() {
        let s: HashSet<i32, RandomState> = [1, 2, 3].into_iter().collect();
        let back: HashSet<i32, RandomState> = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(back, s);
        let m: HashMap<i32, i32, RandomState> = [(1, 2)].into_iter().collect();
        let back: HashMap<i32, i32, RandomState> = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn duplicates() {
        let m: HashMap<String, u32> = serde_json::from_str(r#"{"a":1,"b":2,"a":3}"#).unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m["a"], 3, "the last value wins");
        let s: HashSet<u32> = serde_json::from_str("[3,1,3,2,1]").unwrap();
        assert_eq!(sorted(s.iter().copied()), [1, 2, 3]);
    }

    #[test]
    fn errors() {
        assert!(serde_json::from_str::<HashSet<u32>>(r#"{"a":1}"#).is_err());
        assert!(serde_json::from_str::<HashMap<String, u32>>("[1,2]").is_err());
        assert!(serde_json::from_str::<HashSet<u32>>("[1,-2]").is_err());
        let err = serde_json::from_str::<HashSet<u32>>("7").unwrap_err().to_string();
        assert!(err.contains("a sequence"), "{err}");
        let err = serde_json::from_str::<HashMap<u32, u32>>("7").unwrap_err().to_string();
        assert!(err.contains("a map"), "{err}");
    }

    /// Yields `n` items but claims `claimed` (a length hint from hostile
    /// input).
    struct Liar<I> {
        inner: I,
        claimed: usize,
    }

    impl<I: Iterator> Iterator for Liar<I> {
        type Item = I::Item;
        fn next(&mut self) -> Option<I::Item> {
            self.inner.next()
        }
        fn size_hint(&self) -> (usize, Option<usize>) {
            (self.claimed, Some(self.claimed))
        }
    }

    #[test]
    fn hostile_length_hint_is_capped() {
        let seq = SeqDeserializer::<_, ValueError>::new(Liar { inner: 0..3u32, claimed: usize::MAX });
        let s = HashSet::<u32>::deserialize(seq).unwrap();
        assert_eq!(sorted(s.iter().copied()), [0, 1, 2]);
        assert!(s.capacity() >= MAX_PREALLOC && s.capacity() < 2 * MAX_PREALLOC, "{}", s.capacity());

        let entries = Liar { inner: (0..3u32).map(|i| (i, i)), claimed: 1 << 40 };
        let m = HashMap::<u32, u32>::deserialize(MapDeserializer::<_, ValueError>::new(entries)).unwrap();
        assert_eq!(m.len(), 3);
        assert!(m.capacity() < 2 * MAX_PREALLOC, "{}", m.capacity());

        // An honest small hint is used as is.
        let seq = SeqDeserializer::<_, ValueError>::new(0..100u32);
        let s = HashSet::<u32>::deserialize(seq).unwrap();
        assert_eq!(s.len(), 100);
        assert!(s.capacity() >= 100 && !s.is_resizing());

        // More entries than the cap still arrive.
        let n = MAX_PREALLOC as u32 * 3;
        let seq = SeqDeserializer::<_, ValueError>::new(Liar { inner: 0..n, claimed: usize::MAX });
        let s = HashSet::<u32>::deserialize(seq).unwrap();
        assert_eq!(s.len(), n as usize);
        s.map.check_invariants().unwrap();
    }

    #[test]
    fn cautious_caps() {
        assert_eq!(cautious(None), 0);
        assert_eq!(cautious(Some(10)), 10);
        assert_eq!(cautious(Some(usize::MAX)), MAX_PREALLOC);
    }
}
