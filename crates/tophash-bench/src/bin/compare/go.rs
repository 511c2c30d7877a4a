//! The Go side: `go/compare` (built by `tophash_bench::go`) runs the same
//! workloads on Go 1.19's map and prints one JSON record per line; its
//! checksums must equal the Rust maps'.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{ensure, Context, Result};
use tophash_bench::work::{self, Workload};

use crate::records::{Config, GoLine, Results};
use tophash_bench::median;

/// Runs the Go program (built by the caller) with the run's configuration
/// and adds its records, each checksum checked against the formula.
pub fn run_go(bin: &Path, cfg: &Config, res: &mut Results) -> Result<()> {
    let sizes: Vec<String> = cfg.sizes.iter().map(|s| s.to_string()).collect();
    eprintln!("go: running {}", bin.display());
    let started = Instant::now();
    let out = Command::new(bin)
        .arg("-sizes")
        .arg(sizes.join(","))
        .arg("-keys")
        .arg(cfg.keys.join(","))
        .arg("-workloads")
        .arg(cfg.workloads.join(","))
        .arg("-reps")
        .arg(cfg.runs.to_string())
        .arg("-min-ops")
        .arg(cfg.min_ops.to_string())
        .arg("-words")
        .arg(&cfg.words)
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("running {}", bin.display()))?;
    ensure!(out.status.success(), "the Go program failed ({})", out.status);
    let text = String::from_utf8(out.stdout).context("Go output is not UTF-8")?;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        match serde_json::from_str::<GoLine>(line).with_context(|| format!("bad line from Go: {line}"))? {
            GoLine::Time(mut t) => {
                let w = Workload::parse(&t.workload).with_context(|| format!("Go sent workload {}", t.workload))?;
                work::verify("go", w, t.size, t.checksum).map_err(anyhow::Error::msg)?;
                t.median_ns_per_op = median(&t.rounds_ns_per_op);
                res.times.push(t);
            }
            GoLine::Mem(m) => res.memory.push(m),
        }
    }
    eprintln!("go: done in {:.1}s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Every Go checksum must equal the Rust maps' for the same (keys, size,
/// workload); they are all also checked against the formula.
pub fn cross_check(res: &Results) -> Result<()> {
    for g in res.times.iter().filter(|t| t.map == "go") {
        for r in res.times.iter().filter(|t| t.map != "go" && t.keys == g.keys && t.size == g.size) {
            if r.workload == g.workload {
                ensure!(
                    r.checksum == g.checksum,
                    "{} {} n={}: Go checksum {} != {} checksum {}",
                    g.workload,
                    g.keys,
                    g.size,
                    g.checksum,
                    r.map,
                    r.checksum
                );
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::MemRecord;

    #[test]
    fn go_lines_parse_and_cross_check() {
        let t = r#"{"type":"time","map":"go","keys":"u64_rand","size":1000,"workload":"lookup_hit","iters":5,"rounds_ns_per_op":[9.1,9.0],"checksum":499500}"#;
        let m = r#"{"type":"mem","map":"go","keys":"u64_rand","size":1000,"live_bytes":41072}"#;
        let GoLine::Time(go) = serde_json::from_str(t).unwrap() else { panic!("not a time line") };
        assert!(matches!(serde_json::from_str(m).unwrap(), GoLine::Mem(MemRecord { live_bytes: 41072, .. })));
        let mut res = Results::default();
        let mut rust = go.clone();
        rust.map = "tophash".into();
        res.times = vec![go, rust.clone()];
        assert!(cross_check(&res).is_ok());
        res.times[1].checksum += 1;
        assert!(cross_check(&res).is_err());
    }
}
