//! Standard output that may close early (`run | head -1`): printing stops
//! quietly, and the command goes on (a run still writes its reports and
//! exits with its verdict's code).
//!
//! Our own lines are written with [`line`], which ignores a closed stdout.
//! libtest-mimic unwraps every write, so a closed stdout would panic it
//! (exit 101, no reports): when stdout is not a terminal, [`Relay`] gives
//! it a pipe of ours as its log file, and a thread copies the pipe to
//! stdout until stdout closes, then reads on and drops the rest.
//!
//! With `--format json` libtest's lines are always relayed, and each is
//! made a JSON object of ours: its failure text a plain string (libtest
//! wraps it as `Error: "..."`), and `--list`'s lines `listed` events.

use std::fmt::Display;
use std::io::{Read, Write};
use std::thread::JoinHandle;

use libtest_mimic::{Arguments, ColorSetting, FormatSetting};

/// Prints `text` and a newline; a closed stdout ends printing quietly.
pub fn line(text: impl Display) {
    let _ = writeln!(std::io::stdout().lock(), "{text}");
}

/// libtest's output, relayed to stdout through a pipe when that can fail.
pub struct Relay {
    args: Arguments,
    /// Our write end, kept open until libtest has opened its own.
    writer: Option<std::io::PipeWriter>,
    copier: Option<JoinHandle<()>>,
}

impl Relay {
    /// Relays libtest's output when stdout is not a terminal (a pipe or a
    /// file) and no `--logfile` was given, in colour if the run decided so;
    /// with `--format json`, always, to the log file if one was given.
    pub fn start(args: &Arguments) -> Relay {
        let unrelayed = || Relay {
            args: args.clone(),
            writer: None,
            copier: None,
        };
        let json = args.format == Some(FormatSetting::Json);
        if !json && (args.logfile.is_some() || std::io::IsTerminal::is_terminal(&std::io::stdout()))
        {
            return unrelayed();
        }
        let sink: Box<dyn Write + Send> = match &args.logfile {
            None => Box::new(StdoutSink),
            Some(path) => match std::fs::File::create(path) {
                Ok(file) => Box::new(file),
                Err(_) => return unrelayed(),
            },
        };
        let Some((reader, writer, path)) = pipe() else {
            return unrelayed();
        };
        let mut args = args.clone();
        args.logfile = Some(path);
        // libtest writes colour to a log file only when told to.
        args.color = Some(if colored::control::SHOULD_COLORIZE.should_colorize() {
            ColorSetting::Always
        } else {
            ColorSetting::Never
        });
        Relay {
            args,
            writer: Some(writer),
            copier: Some(std::thread::spawn(move || {
                if json {
                    copy_json_lines(reader, sink);
                } else {
                    copy_to_stdout(reader);
                }
            })),
        }
    }

    /// The arguments to give libtest.
    pub fn args(&self) -> &Arguments {
        &self.args
    }
}

impl Drop for Relay {
    /// Closes our write end and waits until everything libtest wrote
    /// reached stdout (or was dropped), so later lines come after it.
    fn drop(&mut self) {
        self.writer = None;
        if let Some(copier) = self.copier.take() {
            let _ = copier.join();
        }
    }
}

/// A pipe and a path that opens its write end, if the platform has one.
#[cfg(unix)]
fn pipe() -> Option<(std::io::PipeReader, std::io::PipeWriter, String)> {
    use std::os::fd::AsRawFd;
    let (reader, writer) = std::io::pipe().ok()?;
    let path = format!("/dev/fd/{}", writer.as_raw_fd());
    // libtest opens the path itself; make sure that works first.
    std::fs::OpenOptions::new().write(true).open(&path).ok()?;
    Some((reader, writer, path))
}

#[cfg(not(unix))]
fn pipe() -> Option<(std::io::PipeReader, std::io::PipeWriter, String)> {
    None
}

/// Copies `reader` to stdout until it ends; once stdout fails, reads on
/// without writing, so libtest never sees the failure.
fn copy_to_stdout(mut reader: std::io::PipeReader) {
    let mut buffer = [0; 8192];
    let mut open = true;
    loop {
        match reader.read(&mut buffer) {
            Ok(0) => return,
            Ok(n) if open => {
                let mut out = std::io::stdout().lock();
                open = out
                    .write_all(&buffer[..n])
                    .and_then(|()| out.flush())
                    .is_ok();
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}

/// Standard output as a writer whose failure is the caller's to ignore.
struct StdoutSink;

impl Write for StdoutSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        std::io::stdout().lock().write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stdout().lock().flush()
    }
}

/// Copies libtest's JSON lines to `sink`, each as [`json_event`] makes it;
/// once `sink` fails, reads on without writing.
fn copy_json_lines(reader: std::io::PipeReader, mut sink: Box<dyn Write + Send>) {
    use std::io::BufRead;
    let mut open = true;
    for line in std::io::BufReader::new(reader).lines() {
        let Ok(line) = line else { return };
        if !open {
            continue;
        }
        if let Some(event) = json_event(&line) {
            open = writeln!(sink, "{event}")
                .and_then(|()| sink.flush())
                .is_ok();
        }
    }
}

/// One of libtest's `--format json` lines as our event: a failure's
/// `stdout`, which libtest writes as `Error: "<text>"`, becomes `message`,
/// the text itself; a `--list` line (`id: test`) becomes a `listed` event;
/// blank lines are dropped.
pub fn json_event(line: &str) -> Option<String> {
    let line = line.trim_end();
    if line.is_empty() {
        return None;
    }
    let Ok(serde_json::Value::Object(mut event)) = serde_json::from_str(line) else {
        let name = line.strip_suffix(": test").unwrap_or(line);
        let (kind, name) = match name.strip_prefix('[').and_then(|n| n.split_once("] ")) {
            Some((kind, name)) => (Some(kind), name),
            None => (None, name),
        };
        let mut listed = serde_json::json!({"type": "test", "event": "listed", "name": name});
        if let Some(kind) = kind {
            listed["kind"] = kind.into();
        }
        return Some(listed.to_string());
    };
    if let Some(serde_json::Value::String(stdout)) = event.remove("stdout") {
        let message = stdout
            .strip_prefix("Error: \"")
            .and_then(|m| m.strip_suffix("\"\n"))
            .unwrap_or(&stdout)
            .to_string();
        event.insert("message".into(), message.into());
    }
    Some(serde_json::Value::Object(event).to_string())
}

#[cfg(test)]
mod tests {
    use super::json_event;

    #[test]
    fn libtest_failure_text_becomes_a_plain_message() {
        let line = r#"{ "type": "test", "name": "key::x", "event": "failed", "stdout": "Error: \"expected \"a\"\nline 2\"\n" }"#;
        let event: serde_json::Value = serde_json::from_str(&json_event(line).unwrap()).unwrap();
        assert_eq!(event["message"], "expected \"a\"\nline 2");
        assert_eq!(event["event"], "failed");
        assert!(event.get("stdout").is_none());
    }

    #[test]
    fn list_lines_become_listed_events() {
        let event: serde_json::Value =
            serde_json::from_str(&json_event("[advisory] key::x: test").unwrap()).unwrap();
        assert_eq!(event["name"], "key::x");
        assert_eq!(event["kind"], "advisory");
        assert_eq!(json_event(""), None);
    }
}
