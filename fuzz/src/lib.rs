//! The fuzz harness: turns the fuzzer's bytes into operation sequences and
//! runs them on a `tophash::HashMap` (or `HashSet`) and on std's collection
//! in lockstep.
//!
//! The targets reuse `tophash::testing`'s runners and operation enums
//! (every API call as data): `run` and `Op` for the map, `run_set` and
//! `SetOp` for the set (the same set oracle the set's unit and property
//! tests drive). After *every* operation they check the engine's invariants
//! (`check_invariants`), that `len` equals what iteration yields and that
//! the contents equal the model's. On top of single calls the map decoder
//! has macros that reach states random calls rarely do: a FIFO (insert a
//! fresh key, remove the oldest, which is what makes Go's same-size growth
//! fire) and bulk inserts or removes (large tables, mid-growth at a high
//! `B`). A few extra calls the `Op` enum lacks (stats, shape, bucket views,
//! observers, `into_keys`/`into_values`) are checked here.
//!
//! * [`input`]: reading bytes ([`Input`]) and key spaces.
//! * [`map`]: the map decoder and the targets `map_ops`, `collide`, `types`
//!   and `large`; [`types`](mod@types): the key and value types only the
//!   fuzzer uses.
//! * [`set`]: the set decoder and the target `set_ops`.
//! * [`replay`]: replaying inputs without libFuzzer, and [`TARGETS`].
//!
//! Every target is a plain function of `&[u8]`, so the same code runs under
//! libFuzzer (`fuzz_targets/*.rs` with `--cfg fuzzing`), in the corpus
//! replay test (`tests/corpus.rs`) and from the replay binaries (the same
//! targets built without `--cfg fuzzing`: `cargo run -p tophash-fuzz --bin
//! map_ops -- FILE_OR_DIR...`). Each returns the number of operations it
//! applied.
//!
//! The byte format is this crate's own (a first few configuration bytes, then
//! one opcode byte and its arguments per operation; reads past the end give
//! 0), so a committed corpus stays meaningful as long as this decoder does.
//! Changing the decoder invalidates the corpus's coverage, not its validity:
//! every input still decodes to *some* sequence.

pub mod input;
pub mod map;
pub mod replay;
pub mod set;
pub mod types;

pub use input::{Input, Keys, Limits};
pub use map::{collide, decode, drive, large, map_ops, types, Extra, Step};
pub use replay::{record, replay_main, Target, TARGETS};
pub use set::{decode_set, set_ops};
