//! Standard output that may close early (`run | head -1`): printing stops
//! quietly, and the command goes on (a run still writes its reports and
//! exits with its verdict's code).
//!
//! Our own lines are written with [`line`], which ignores a closed stdout.
//! libtest-mimic unwraps every write, so a closed stdout would panic it
//! (exit 101, no reports): when stdout is not a terminal, [`Relay`] gives
//! it a pipe of ours as its log file, and a thread copies the pipe to
//! stdout until stdout closes, then reads on and drops the rest.

use std::fmt::Display;
use std::io::{Read, Write};
use std::thread::JoinHandle;

use libtest_mimic::{Arguments, ColorSetting};

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
    /// file) and no `--logfile` was given, in colour if the run decided so.
    pub fn start(args: &Arguments) -> Relay {
        let unrelayed = || Relay {
            args: args.clone(),
            writer: None,
            copier: None,
        };
        if args.logfile.is_some() || std::io::IsTerminal::is_terminal(&std::io::stdout()) {
            return unrelayed();
        }
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
            copier: Some(std::thread::spawn(move || copy_to_stdout(reader))),
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
