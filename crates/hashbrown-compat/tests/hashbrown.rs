//! hashbrown 0.17.1's own tests, run against tophash (see `src/lib.rs` and
//! `build.rs`).

// What hashbrown's test code names outside its `use` lines: `crate::HashMap`
// (in set.rs's tests) and `hashbrown::DefaultHashBuilder` (tests/hasher.rs)
// resolve through these two imports.
extern crate tophash as hashbrown;
#[allow(unused_imports)]
use tophash::{HashMap, HashSet};

include!(concat!(env!("OUT_DIR"), "/hb_all.rs"));

fn main() -> std::process::ExitCode {
    hashbrown_compat::run(TESTS, EXCLUDED, std::path::Path::new(env!("CARGO_MANIFEST_DIR")))
}
