//! Declares the `fuzzing` cfg that `cargo fuzz build` sets, so that the
//! `unexpected_cfgs` lint accepts it in normal builds.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(fuzzing)");
}
