//! Where each setting of a run came from, carried beside its value from
//! the moment it is resolved, and the `run -v` line that says so:
//!
//! ```text
//! setting: base URL = http://127.0.0.1:8080 (from WAPZI_BASE_URL)
//! setting: API key (from --api-key-file /home/me/.wapzi-key)
//! setting: fixture previous_api_key (from WAPZI_PREVIOUS_API_KEY in --env-file .env, line 4)
//! setting: concurrency = 16 (default)
//! ```
//!
//! A secret's line names its source only, never its value nor its length.

use std::fmt;
use std::path::PathBuf;

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A command-line flag, such as `--base-url`.
    Flag(&'static str),
    /// A flag naming a file the value was read from, such as
    /// `--api-key-file PATH`.
    FlagFile(&'static str, PathBuf),
    /// An environment variable.
    Env(String),
    /// A variable of an `--env-file`, on its line (1-based) when known.
    EnvFile {
        var: String,
        path: PathBuf,
        line: Option<usize>,
    },
    /// The tool's default.
    Default,
    /// The embedded sandbox's own fixture (`run --sandbox`).
    Sandbox,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag(flag) => write!(f, "from {flag}"),
            Source::FlagFile(flag, path) => write!(f, "from {flag} {}", path.display()),
            Source::Env(var) => write!(f, "from {var}"),
            Source::EnvFile { var, path, line } => {
                write!(f, "from {var} in --env-file {}", path.display())?;
                match line {
                    Some(line) => write!(f, ", line {line}"),
                    None => Ok(()),
                }
            }
            Source::Default => f.write_str("default"),
            Source::Sandbox => f.write_str("the sandbox's own, --sandbox"),
        }
    }
}

/// A value with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sourced<T> {
    pub value: T,
    pub source: Source,
}

impl<T> Sourced<T> {
    /// The value `flag` gave, else `default`.
    pub fn flag_or_default(given: Option<T>, flag: &'static str, default: T) -> Sourced<T> {
        match given {
            Some(value) => Sourced {
                value,
                source: Source::Flag(flag),
            },
            None => Sourced {
                value: default,
                source: Source::Default,
            },
        }
    }
}

/// One `-v` line: `setting: NAME = VALUE (SOURCE)`, or `setting: NAME
/// (SOURCE)` without a value (a secret's).
pub fn setting_line(name: &str, value: Option<&dyn fmt::Display>, source: &Source) -> String {
    match value {
        Some(value) => format!(
            "setting: {name} = {} ({source})",
            crate::text::shown_value(&value.to_string())
        ),
        None => format!("setting: {name} ({source})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_source_reads_as_its_origin() {
        let table = [
            (Source::Flag("--base-url"), "from --base-url"),
            (
                Source::FlagFile("--api-key-file", PathBuf::from("/k")),
                "from --api-key-file /k",
            ),
            (Source::Env("WAPZI_BASE_URL".into()), "from WAPZI_BASE_URL"),
            (
                Source::EnvFile {
                    var: "WAPZI_API_KEY".into(),
                    path: PathBuf::from(".env"),
                    line: Some(3),
                },
                "from WAPZI_API_KEY in --env-file .env, line 3",
            ),
            (
                Source::EnvFile {
                    var: "WAPZI_API_KEY".into(),
                    path: PathBuf::from(".env"),
                    line: None,
                },
                "from WAPZI_API_KEY in --env-file .env",
            ),
            (Source::Default, "default"),
            (Source::Sandbox, "the sandbox's own, --sandbox"),
        ];
        for (source, shown) in table {
            assert_eq!(source.to_string(), shown);
        }
    }

    #[test]
    fn a_line_without_a_value_names_only_the_source() {
        let source = Source::Env("WAPZI_API_KEY".into());
        assert_eq!(
            setting_line("API key", None, &source),
            "setting: API key (from WAPZI_API_KEY)"
        );
        assert_eq!(
            setting_line("concurrency", Some(&16), &Source::Default),
            "setting: concurrency = 16 (default)"
        );
    }
}
