//! What the binaries of this crate share on the command line: clap's
//! errors on one line, and errors on one line.

use std::process::ExitCode;

use clap::{ArgMatches, CommandFactory, FromArgMatches};

/// Parses the command line as `C`, also returning clap's matches (to tell
/// a default from a value the user gave). `--help` and `--version` print
/// and give `Err(ExitCode::SUCCESS)`; a usage error prints one line,
/// `<tool>: <what clap says> [possible values: …]`, and gives
/// `Err(ExitCode::from(2))`.
pub fn parse<C: CommandFactory + FromArgMatches>(tool: &str) -> Result<(C, ArgMatches), ExitCode> {
    parse_from(tool, std::env::args_os())
}

/// As [`parse`], from the given words (the first is the program name).
pub fn parse_from<C, I, T>(tool: &str, words: I) -> Result<(C, ArgMatches), ExitCode>
where
    C: CommandFactory + FromArgMatches,
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let parsed = C::command().try_get_matches_from(words).and_then(|m| C::from_arg_matches(&m).map(|c| (c, m)));
    parsed.map_err(|e| {
        if !e.use_stderr() {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        eprintln!("{tool}: {}", one_line_usage_error(&e.render().to_string()));
        ExitCode::from(2)
    })
}

/// The one line [`parse_from`] prints (after `<tool>: `) when `words` are
/// refused, or `None` when they parse: for the binaries' tests.
pub fn usage_error<C: CommandFactory + FromArgMatches>(words: &[&str]) -> Option<String> {
    let e = C::command().try_get_matches_from(words).and_then(|m| C::from_arg_matches(&m)).err()?;
    Some(one_line_usage_error(&e.render().to_string()))
}

/// The first line of clap's message, without `error: `, with clap's list
/// of accepted values when it gives one.
fn one_line_usage_error(text: &str) -> String {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("invalid arguments").trim();
    let first = first.trim_start_matches("error: ");
    match text.lines().map(str::trim).find(|l| l.starts_with("[possible values")) {
        Some(values) => format!("{first} {values}"),
        None => first.to_owned(),
    }
}

/// Prints `<tool>: error: <the error and its causes>` on one line and gives
/// the failure exit code.
pub fn fail(tool: &str, e: &anyhow::Error) -> ExitCode {
    eprintln!("{tool}: error: {}", format!("{e:#}").replace('\n', " "));
    ExitCode::FAILURE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(clap::Parser, Debug)]
    struct Toy {
        #[arg(long, value_enum, default_value = "a")]
        pick: Pick,
    }

    #[derive(clap::ValueEnum, Clone, Debug)]
    enum Pick {
        A,
        B,
    }

    #[test]
    fn usage_errors_fit_on_one_line() {
        let e = parse_from::<Toy, _, _>("toy", ["toy", "--pick", "c"]).unwrap_err();
        assert_eq!(e, ExitCode::from(2));
        let msg = <Toy as CommandFactory>::command()
            .try_get_matches_from(["toy", "--pick", "c"])
            .unwrap_err()
            .render()
            .to_string();
        let line = one_line_usage_error(&msg);
        assert_eq!(usage_error::<Toy>(&["toy", "--pick", "c"]).as_deref(), Some(line.as_str()));
        assert_eq!(usage_error::<Toy>(&["toy", "--pick", "b"]), None);
        assert!(line.starts_with("invalid value 'c' for '--pick <PICK>'"), "{line}");
        assert!(line.ends_with("[possible values: a, b]"), "{line}");
        let (_, m) = parse_from::<Toy, _, _>("toy", ["toy"]).unwrap();
        assert_eq!(m.value_source("pick"), Some(clap::parser::ValueSource::DefaultValue));
    }
}
