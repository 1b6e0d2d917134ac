//! `run --env-file PATH`: settings and fixtures from a dotenv file, the
//! real environment taking precedence.
//!
//! The file is read into a table, never into the process environment, and
//! only consulted where the environment has no value. Its values can be
//! secrets (keys), so no message ever quotes them: a malformed line is
//! named by its number and, when it has one, its variable name.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::app::error::AppError;
use crate::source::Source;

use super::config::ConfigError;

/// The variables of a dotenv file, and where each is defined.
#[derive(Debug, Default)]
pub struct EnvFile {
    path: PathBuf,
    vars: BTreeMap<String, String>,
    /// The line (1-based) defining each variable: its last, as the last wins.
    lines: BTreeMap<String, usize>,
}

impl EnvFile {
    /// Reads `path`: `KEY=VALUE` lines, `#` comments, quoting as dotenv does.
    pub fn load(path: &Path) -> Result<EnvFile, AppError> {
        let shown = path.display();
        // A dotenv file of a megabyte is already far more than settings.
        let bytes = crate::file::read_regular(path, 1024 * 1024, "1 MiB").map_err(|e| {
            ConfigError::UnreadableEnvFile {
                path: shown.to_string(),
                reason: e.to_string(),
            }
        })?;
        let mut vars = BTreeMap::new();
        // Editors on Windows start a UTF-8 file with a byte order mark;
        // dotenv tools read the file as if it were not there.
        let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
        let bytes = spaced_values_quoted(bytes);
        for item in dotenvy::from_read_iter(&bytes[..]) {
            match item {
                Ok((key, value)) => {
                    vars.insert(key, value);
                }
                Err(dotenvy::Error::LineParse(line, _)) => {
                    return Err(ConfigError::MalformedEnvLine {
                        path: shown.to_string(),
                        line: describe_line(&bytes, &line),
                    }
                    .into())
                }
                Err(e) => {
                    return Err(ConfigError::UnreadableEnvFile {
                        path: shown.to_string(),
                        reason: describe_error(&e),
                    }
                    .into())
                }
            }
        }
        let lines = String::from_utf8_lossy(&bytes)
            .lines()
            .enumerate()
            .filter_map(|(n, line)| entry_name(line).map(|name| (name.to_string(), n + 1)))
            .collect();
        Ok(EnvFile {
            path: path.to_path_buf(),
            vars,
            lines,
        })
    }

    /// The value of `name`, the environment's if set, else the file's,
    /// with where it came from.
    pub fn lookup_sourced(
        &self,
        name: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Option<(String, Source)> {
        if let Some(value) = env(name) {
            return Some((value, Source::Env(name.to_string())));
        }
        let value = self.vars.get(name)?.clone();
        let source = Source::EnvFile {
            var: name.to_string(),
            path: self.path.clone(),
            line: self.lines.get(name).copied(),
        };
        Some((value, source))
    }
}

/// `bytes` with each unquoted value that holds a space single-quoted, so
/// `NAME=please fail now` reads `please fail now` as Docker's env files
/// and Node's dotenv read it (trailing blanks and a ` #` comment dropped,
/// as Node does) instead of being refused; a value holding `'` is left as
/// written.
fn spaced_values_quoted(bytes: &[u8]) -> Vec<u8> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return bytes.to_vec();
    };
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.split_inclusive('\n') {
        let (body, end) = match line.strip_suffix('\n') {
            Some(body) => (body.strip_suffix('\r').unwrap_or(body), &line[body.len()..]),
            None => (line, ""),
        };
        match body.split_once('=') {
            Some((name, value)) if entry_name(body).is_some() => {
                let value = value.split(" #").next().unwrap_or_default().trim();
                let quoted = value.starts_with(['"', '\'', '`']);
                if !quoted && value.contains(char::is_whitespace) && !value.contains('\'') {
                    out.push_str(&format!("{name}='{value}'{end}"));
                    continue;
                }
                out.push_str(line);
            }
            _ => out.push_str(line),
        }
    }
    out.into_bytes()
}

/// The variable a `NAME=VALUE` line (or `export NAME=VALUE`) defines.
fn entry_name(line: &str) -> Option<&str> {
    line.split_once('=')
        .map(|(k, _)| k.trim().trim_start_matches("export ").trim())
        .filter(|k| {
            !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        })
}

/// `line 3 (WAPZI_API_KEY)`: where a malformed entry is, without its value.
fn describe_line(file: &[u8], line: &str) -> String {
    let text = String::from_utf8_lossy(file);
    let number = text
        .find(line)
        .map(|at| text[..at].matches('\n').count() + 1);
    // The parser may quote only the value: the name is on the file's line.
    let whole = number.and_then(|n| text.lines().nth(n - 1)).unwrap_or(line);
    let name = entry_name(whole);
    match (number, name) {
        (Some(n), Some(k)) => format!("line {n} ({k})"),
        (Some(n), None) => format!("line {n}"),
        (None, Some(k)) => format!("the entry for {k}"),
        (None, None) => "an entry".to_string(),
    }
}

/// Errors other than a malformed line carry no file content; say them plainly.
fn describe_error(error: &dotenvy::Error) -> String {
    match error {
        dotenvy::Error::Io(e) => e.to_string(),
        dotenvy::Error::EnvVar(e) => e.to_string(),
        _ => "the file could not be parsed".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl EnvFile {
        fn lookup(&self, name: &str, env: impl Fn(&str) -> Option<String>) -> Option<String> {
            self.lookup_sourced(name, env).map(|(value, _)| value)
        }
    }

    fn write(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn reads_entries_and_the_environment_wins() {
        let (_dir, path) = write(
            "# a comment\nWAPZI_API_KEY=ak_from_file\nexport WAPZI_ENTRY_POINT_ID=\"ep 1\"\n\nWAPZI_BASE_URL='http://127.0.0.1:1'\n",
        );
        let file = EnvFile::load(&path).unwrap();
        let none = |_: &str| None;
        assert_eq!(
            file.lookup("WAPZI_API_KEY", none).as_deref(),
            Some("ak_from_file")
        );
        assert_eq!(
            file.lookup("WAPZI_ENTRY_POINT_ID", none).as_deref(),
            Some("ep 1")
        );
        assert_eq!(
            file.lookup("WAPZI_BASE_URL", none).as_deref(),
            Some("http://127.0.0.1:1")
        );
        let env = |name: &str| (name == "WAPZI_API_KEY").then(|| "ak_from_env".to_string());
        assert_eq!(
            file.lookup("WAPZI_API_KEY", env).as_deref(),
            Some("ak_from_env")
        );
        assert_eq!(file.lookup("WAPZI_OTHER", none), None);
    }

    #[test]
    fn a_byte_order_mark_at_the_start_is_skipped() {
        let (_dir, path) = write("\u{feff}WAPZI_BASE_URL=http://127.0.0.1:1\n");
        let file = EnvFile::load(&path).unwrap();
        assert_eq!(
            file.lookup("WAPZI_BASE_URL", |_| None).as_deref(),
            Some("http://127.0.0.1:1")
        );
    }

    #[test]
    fn a_value_says_which_line_of_which_file_it_came_from() {
        let (_dir, path) = write(
            "# settings\nWAPZI_BASE_URL=http://127.0.0.1:1\n\nexport WAPZI_API_KEY=ak_first\nWAPZI_API_KEY=ak_second\n",
        );
        let file = EnvFile::load(&path).unwrap();
        let none = |_: &str| None;
        let (value, source) = file.lookup_sourced("WAPZI_API_KEY", none).unwrap();
        assert_eq!(value, "ak_second");
        assert_eq!(
            source,
            Source::EnvFile {
                var: "WAPZI_API_KEY".into(),
                path: path.clone(),
                line: Some(5),
            }
        );
        let (_, base) = file.lookup_sourced("WAPZI_BASE_URL", none).unwrap();
        assert!(
            matches!(base, Source::EnvFile { line: Some(2), .. }),
            "{base:?}"
        );
        let env = |name: &str| (name == "WAPZI_BASE_URL").then(|| "http://[::1]:2".to_string());
        let (_, from_env) = file.lookup_sourced("WAPZI_BASE_URL", env).unwrap();
        assert_eq!(from_env, Source::Env("WAPZI_BASE_URL".into()));
    }

    #[test]
    fn a_value_with_spaces_is_read_as_docker_and_node_read_it() {
        let (_dir, path) = write(
            "WAPZI_FAILING_MESSAGE=please fail now  # the sandbox's marker\r\nexport WAPZI_X = a b\nWAPZI_Q=\"quoted  value\"\n",
        );
        let file = EnvFile::load(&path).unwrap();
        let none = |_: &str| None;
        assert_eq!(
            file.lookup("WAPZI_FAILING_MESSAGE", none).as_deref(),
            Some("please fail now")
        );
        assert_eq!(file.lookup("WAPZI_X", none).as_deref(), Some("a b"));
        assert_eq!(
            file.lookup("WAPZI_Q", none).as_deref(),
            Some("quoted  value")
        );
    }

    #[test]
    fn a_malformed_line_is_named_without_its_value() {
        let (_dir, path) = write("WAPZI_ENTRY_POINT_ID=ep\nWAPZI_API_KEY=\"ak secret value\n");
        let message = EnvFile::load(&path).unwrap_err().to_string();
        assert!(message.contains("line 2 (WAPZI_API_KEY)"), "{message}");
        assert!(!message.contains("secret"), "{message}");
    }

    #[test]
    fn an_unreadable_file_names_the_path() {
        let message = EnvFile::load(Path::new("/nonexistent/.env"))
            .unwrap_err()
            .to_string();
        assert!(
            message.starts_with("cannot read --env-file /nonexistent/.env:"),
            "{message}"
        );
    }
}
