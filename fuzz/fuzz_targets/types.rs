//! Fuzz target `types`: see `tophash_fuzz::types`. Under `cargo fuzz`
//! (`--cfg fuzzing`) this is a libFuzzer target; otherwise it replays the
//! files or directories named on its command line.
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    tophash_fuzz::record(tophash_fuzz::types(data));
});

#[cfg(not(fuzzing))]
fn main() {
    tophash_fuzz::replay_main("types", tophash_fuzz::types);
}
