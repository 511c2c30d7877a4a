//! Runs the built binary's `report` into a temporary directory and renders
//! report.html in headless Debian Chromium: the rendered DOM must hold each
//! experiment's section and plots, and a screenshot must not be blank.
//! Needs /usr/bin/chromium (`scripts/setup.sh chromium`); fails without it.

use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_tophash-lab");
const CHROMIUM: &str = "/usr/bin/chromium";

/// Runs `cmd`, killing it after `limit`.
fn run_with_limit(mut cmd: Command, limit: Duration) -> Output {
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
    let start = Instant::now();
    // Read the pipes on threads so a chatty child cannot block on them.
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut so, &mut v).ok();
        v
    });
    let t_err = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut se, &mut v).ok();
        v
    });
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Output { status, stdout: t_out.join().unwrap(), stderr: t_err.join().unwrap() }
}

fn chromium(profile: &Path, extra: &[String], url: &str) -> Output {
    let mut cmd = Command::new(CHROMIUM);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(extra)
    .arg(url);
    let out = run_with_limit(cmd, Duration::from_secs(120));
    assert!(out.status.success(), "chromium failed: {}", String::from_utf8_lossy(&out.stderr));
    out
}

/// Luminance variance and the fraction of pixels that are not near-white.
fn picture_stats(png_path: &Path) -> (f64, f64, u32, u32) {
    let f = std::fs::File::open(png_path).expect("screenshot written");
    let mut reader = png::Decoder::new(BufReader::new(f)).read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("a frame");
    let channels = info.color_type.samples();
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    let mut n = 0f64;
    let (mut sum, mut sq, mut ink) = (0f64, 0f64, 0f64);
    for row in buf[..info.line_size * info.height as usize].chunks(info.line_size) {
        for px in row[..info.width as usize * channels].chunks(channels) {
            let y = if channels >= 3 {
                0.299 * f64::from(px[0]) + 0.587 * f64::from(px[1]) + 0.114 * f64::from(px[2])
            } else {
                f64::from(px[0])
            };
            n += 1.0;
            sum += y;
            sq += y * y;
            if y < 235.0 {
                ink += 1.0;
            }
        }
    }
    let mean = sum / n;
    (sq / n - mean * mean, ink / n, info.width, info.height)
}

#[test]
fn report_renders_in_chromium() {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} not found: this test renders the report in headless Chromium; install it with \
         `scripts/setup.sh chromium` (scripts/test.sh does)"
    );
    let tmp = tempfile::tempdir().unwrap();
    let out_dir: PathBuf = tmp.path().join("report");
    let mut cmd = Command::new(BIN);
    cmd.args(["report", "--out"]).arg(&out_dir);
    let run = run_with_limit(cmd, Duration::from_secs(600));
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "report failed: {}", String::from_utf8_lossy(&run.stderr));
    let html_path = out_dir.join("report.html");
    let page = std::fs::read_to_string(&html_path).expect("report.html");

    // Self-contained: nothing to fetch.
    for bad in ["<script", "src=\"http", "href=\"http", "<link", "@import", "url(http"] {
        assert!(!page.contains(bad), "report.html contains {bad:?}");
    }
    let url = format!("file://{}", html_path.display());

    // The DOM as Chromium rendered it.
    let dom = chromium(&tmp.path().join("profile-dom"), &["--dump-dom".into()], &url);
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.contains("<h1>tophash lab report</h1>"), "no title in the rendered DOM");
    let sections = ["tour", "grow", "hashdist", "probes", "layout", "latency", "trace", "flame"];
    for s in sections {
        assert!(dom.contains(&format!("<section id=\"{s}\">")), "no section {s}");
    }
    // Our experiments must have run, with their plots inline.
    let svgs_in = |id: &str| -> usize {
        let start = dom.find(&format!("<section id=\"{id}\">")).unwrap();
        let end = dom[start..].find("</section>").map_or(dom.len(), |e| start + e);
        let sec = &dom[start..end];
        assert!(!sec.contains("not available"), "section {id} did not run: {}", &sec[..sec.len().min(600)]);
        sec.matches("<svg").count()
    };
    for (id, plots) in [("grow", 3), ("probes", 2), ("layout", 2), ("trace", 1)] {
        let n = svgs_in(id);
        assert!(n >= plots, "section {id}: {n} <svg> plots, expected at least {plots}");
    }
    assert!(svgs_in("tour") == 0 && dom.contains("Eight keys in one bucket"));
    // A section whose experiment failed says so instead of failing the page.
    for s in sections {
        let line = stdout.lines().find(|l| l.starts_with(s)).unwrap_or_default();
        if line.contains("not available") {
            let start = dom.find(&format!("<section id=\"{s}\">")).unwrap();
            assert!(dom[start..].contains("not available:"), "{s} failed but its section does not say so");
        }
    }
    assert!(dom.contains("1,387"), "grow's claim section is missing");
    assert!(dom.contains("Go's table"), "probes' comparison with Go's table is missing");

    // A screenshot, which must not be blank.
    let shot = tmp.path().join("shot.png");
    chromium(
        &tmp.path().join("profile-shot"),
        &[format!("--screenshot={}", shot.display()), "--window-size=1200,2400".into(), "--hide-scrollbars".into()],
        &url,
    );
    let (variance, ink, w, h) = picture_stats(&shot);
    assert!(w >= 1000 && h >= 2000, "screenshot is {w}x{h}");
    assert!(variance > 100.0, "screenshot looks blank: luminance variance {variance:.1}");
    assert!(ink > 0.01, "screenshot looks blank: {:.2}% of pixels are not white", ink * 100.0);
}
