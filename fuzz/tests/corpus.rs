//! Replays the committed corpus (`fuzz/corpus/<target>/`) and the crash
//! reproducers (`fuzz/regressions/<target>/`) through the same harness the
//! fuzzer runs, so a regression the fuzzer once covered fails `cargo test`.

use std::path::Path;

#[test]
fn committed_corpus_replays_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut total = 0;
    for &(name, target) in tophash_fuzz::TARGETS {
        let mut inputs = 0;
        let mut ops = 0;
        for dir in ["corpus", "regressions"] {
            let dir = root.join(dir).join(name);
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            // Files only: `slow/` (inputs that take seconds in a debug
            // build) seeds the fuzzer but is not replayed here.
            let mut files: Vec<_> =
                entries.map(|e| e.expect("a directory entry").path()).filter(|p| p.is_file()).collect();
            files.sort();
            for f in files {
                let data = std::fs::read(&f).expect("a corpus file");
                let r = std::panic::catch_unwind(|| target(&data));
                match r {
                    Ok(n) => ops += n,
                    Err(_) => panic!(
                        "{name}: {} fails (replay: cargo run -p tophash-fuzz --bin {name} -- {})",
                        f.display(),
                        f.display()
                    ),
                }
                inputs += 1;
            }
        }
        eprintln!("{name}: {inputs} inputs, {ops} operations");
        total += inputs;
    }
    assert!(total > 0, "no corpus found under {}", root.display());
}
