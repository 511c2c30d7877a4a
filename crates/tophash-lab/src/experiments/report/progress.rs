//! Progress bars for long runs (on stderr, only when it is a terminal and
//! the run is long enough to need one).

use indicatif::{ProgressBar, ProgressStyle};

/// A bar for `len` steps, or a hidden one when `len < threshold`.
pub fn bar(len: u64, threshold: u64, msg: &str) -> ProgressBar {
    if len < threshold {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template("{msg:>12} [{bar:40}] {human_pos}/{human_len} ({eta})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    pb.set_message(msg.to_owned());
    pb
}
