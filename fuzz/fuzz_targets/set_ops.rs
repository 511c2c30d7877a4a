//! Fuzz target `set_ops`: see `tophash_fuzz::set_ops`. Under `cargo fuzz`
//! (`--cfg fuzzing`) this is a libFuzzer target; otherwise it replays the
//! files or directories named on its command line.
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    tophash_fuzz::record(tophash_fuzz::set_ops(data));
});

#[cfg(not(fuzzing))]
fn main() {
    tophash_fuzz::replay_main("set_ops", tophash_fuzz::set_ops);
}
