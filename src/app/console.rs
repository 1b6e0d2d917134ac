//! What the terminal shows while checks run, besides libtest's lines:
//! `-v` exchange lines on stderr, and the live line on stdout.
//!
//! ```text
//! [entry-point::accepts-execute] POST /v1/entry-points/ep_1/execute -> 202 (12 ms)
//! [execution::completes] GET /v1/executions/exec_1 -> 200 (3 ms, poll 4)
//! waiting: 2 executions, 3.4 s
//! ```
//!
//! Everything printed comes from the already-redacted [`Exchange`]. Each
//! line is written whole under one lock, so lines never split one another.
//! The live line is redrawn in place by a ticker thread and cleared before
//! libtest prints a check's line, so the two never share a line either.
//! Where libtest leaves its line open while a check runs (one test thread,
//! `-q`), the first exchange line after it starts on a new line.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write;
use std::sync::{mpsc, Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::result::Exchange;
use crate::run::Observer;

/// How often the live line is redrawn.
const TICK: Duration = Duration::from_millis(100);
/// How long the live line stays away once libtest is about to print: its
/// main thread prints within microseconds of a check's trial returning.
const HOLD: Duration = Duration::from_millis(150);
/// Erases the terminal's current line and returns to its start.
const CLEAR_LINE: &str = "\r\x1b[2K";

/// The terminal's observer of a run.
pub struct Console {
    verbosity: u8,
    /// libtest leaves `test x ... ` (or its dots) open while checks run.
    open_line: bool,
    state: Mutex<State>,
    ticker: Mutex<Option<Ticker>>,
}

#[derive(Default)]
struct State {
    /// When each check now polling started to, by check id.
    polling: HashMap<String, Instant>,
    /// Whether the live line is on the screen.
    shown: bool,
    /// The live line is not drawn before this.
    hold_until: Option<Instant>,
    /// An exchange line already broke libtest's open line.
    broke_line: bool,
}

/// What the console shows besides `-v` lines.
#[derive(Debug, Clone, Copy, Default)]
pub struct Mode {
    /// Draw the live line (stdout is an interactive terminal and libtest
    /// prints whole lines).
    pub live: bool,
    /// libtest leaves its line open while a check runs.
    pub open_line: bool,
}

struct Ticker {
    stop: mpsc::Sender<()>,
    thread: JoinHandle<()>,
}

impl Console {
    /// A console printing exchanges at `verbosity` (0: none, 1: lines, 2:
    /// also bodies), as `mode` says.
    pub fn start(verbosity: u8, mode: Mode) -> Arc<Console> {
        let console = Arc::new(Console {
            verbosity,
            open_line: mode.open_line,
            state: Mutex::new(State {
                // libtest prints its "running N tests" header first.
                hold_until: Some(Instant::now() + HOLD),
                ..State::default()
            }),
            ticker: Mutex::new(None),
        });
        if mode.live {
            let (stop, stopped) = mpsc::channel();
            let weak = Arc::downgrade(&console);
            let thread = std::thread::spawn(move || {
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(TICK) {
                    match weak.upgrade() {
                        Some(console) => console.tick(Instant::now()),
                        None => break,
                    }
                }
            });
            *lock(&console.ticker) = Some(Ticker { stop, thread });
        }
        console
    }

    /// Stops the live line and clears it; call before printing the summary.
    pub fn finish(&self) {
        if let Some(ticker) = lock(&self.ticker).take() {
            let _ = ticker.stop.send(());
            let _ = ticker.thread.join();
        }
        let mut state = lock(&self.state);
        clear(&mut state);
    }

    fn tick(&self, now: Instant) {
        let mut state = lock(&self.state);
        if state.hold_until.is_some_and(|until| now < until) {
            return;
        }
        match live_line(&state.polling, now) {
            Some(line) => {
                let mut out = std::io::stdout().lock();
                let _ = write!(out, "{CLEAR_LINE}{line}");
                let _ = out.flush();
                state.shown = true;
            }
            None => clear(&mut state),
        }
    }

    /// The `-v` line (and `-vv` bodies) of `exchange`, made by `check`:
    /// the full URL as sent, so a doubled path or a wrong host shows.
    pub fn exchange_text(&self, check: &str, exchange: &Exchange) -> String {
        let path = &exchange.url;
        let outcome = match (&exchange.response, &exchange.error) {
            (Some(response), _) => response.status.to_string(),
            (None, Some(error)) => format!("error: {error}"),
            (None, None) => "no response".to_string(),
        };
        let mut timing = format!("{:.0} ms", exchange.duration_ms);
        if let Some(n) = exchange.poll {
            let _ = write!(timing, ", poll {n}");
        }
        let mut text = format!(
            "[{check}] {} {path} -> {outcome} ({timing})\n",
            exchange.method
        );
        if self.verbosity >= 2 {
            if let Some(body) = &exchange.request_body {
                indent(&mut text, "> ", body);
            }
            if let Some(response) = exchange.response.as_ref().filter(|r| !r.body.is_empty()) {
                indent(&mut text, "< ", &response.body);
                if response.truncated {
                    let _ = writeln!(text, "    < ... ({} bytes in all)", response.body_bytes);
                }
            }
        }
        // Control and bidirectional characters a server may have put in a
        // body or path are shown escaped, never sent to the terminal.
        crate::text::visible_lines(&text)
    }
}

impl Observer for Console {
    fn exchange(&self, check: &str, exchange: &Exchange) {
        if self.verbosity == 0 {
            return;
        }
        let mut text = self.exchange_text(check, exchange);
        let mut state = lock(&self.state);
        clear(&mut state);
        if self.open_line && !state.broke_line {
            text.insert(0, '\n');
            state.broke_line = true;
        }
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }

    fn poll_started(&self, check: &str) {
        lock(&self.state)
            .polling
            .insert(check.to_string(), Instant::now());
    }

    fn poll_ended(&self, check: &str) {
        lock(&self.state).polling.remove(check);
    }

    fn check_reported(&self) {
        let mut state = lock(&self.state);
        clear(&mut state);
        state.hold_until = Some(Instant::now() + HOLD);
        // libtest ends this line and opens the next one.
        state.broke_line = false;
    }
}

/// `waiting: 2 executions, 3.4 s`, the longest wait counting; `None` when
/// nothing is being polled.
fn live_line(polling: &HashMap<String, Instant>, now: Instant) -> Option<String> {
    let oldest = polling.values().min()?;
    let count = polling.len();
    let noun = if count == 1 {
        "execution"
    } else {
        "executions"
    };
    let waited = now.saturating_duration_since(*oldest).as_secs_f64();
    Some(format!("waiting: {count} {noun}, {waited:.1} s"))
}

fn clear(state: &mut MutexGuard<'_, State>) {
    if state.shown {
        let mut out = std::io::stdout().lock();
        let _ = write!(out, "{CLEAR_LINE}");
        let _ = out.flush();
        state.shown = false;
    }
}

fn indent(text: &mut String, mark: &str, body: &str) {
    for line in body.lines() {
        let _ = writeln!(text, "    {mark}{line}");
    }
}

/// A poisoned lock only means another thread panicked while printing; the
/// state is still usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::ResponseRecord;

    fn exchange() -> Exchange {
        Exchange {
            step: "execute".into(),
            method: "POST".into(),
            url: "http://127.0.0.1:8080/v1/entry-points/ep_1/execute".into(),
            request_headers: Vec::new(),
            request_body: Some("{\"message\":\"hi\"}".into()),
            response: Some(ResponseRecord {
                status: 202,
                headers: Vec::new(),
                body: "{\"executionId\":\"exec_1\u{1b}[31m\"}".into(),
                body_bytes: 30,
                truncated: false,
            }),
            error: None,
            started_ms: 5.0,
            duration_ms: 12.4,
            poll: None,
            reused_from: None,
            key_env: None,
        }
    }

    #[test]
    fn one_line_per_exchange_and_bodies_only_at_vv() {
        let console = Console::start(1, Mode::default());
        assert_eq!(
            console.exchange_text("key::accepted", &exchange()),
            "[key::accepted] POST http://127.0.0.1:8080/v1/entry-points/ep_1/execute -> 202 (12 ms)\n"
        );
        let console = Console::start(2, Mode::default());
        let text = console.exchange_text("key::accepted", &exchange());
        assert!(text.contains("\n    > {\"message\":\"hi\"}\n"), "{text}");
        assert!(
            text.contains("    < {\"executionId\":\"exec_1\\u{1b}[31m\"}"),
            "{text}"
        );
        assert!(!text.contains('\u{1b}'), "control characters are escaped");
    }

    #[test]
    fn errors_and_polls_are_said() {
        let console = Console::start(1, Mode::default());
        let mut polled = exchange();
        polled.method = "GET".into();
        polled.url = "http://127.0.0.1:8080/v1/executions/exec_1".into();
        polled.poll = Some(3);
        polled.response = None;
        polled.error = Some("connection refused".into());
        assert_eq!(
            console.exchange_text("execution::completes", &polled),
            "[execution::completes] GET http://127.0.0.1:8080/v1/executions/exec_1 -> error: connection refused (12 ms, poll 3)\n"
        );
    }

    #[test]
    fn the_live_line_counts_polls_and_the_longest_wait() {
        let now = Instant::now();
        let mut polling = HashMap::new();
        assert_eq!(live_line(&polling, now), None);
        polling.insert("a".to_string(), now - Duration::from_millis(3400));
        assert_eq!(
            live_line(&polling, now).as_deref(),
            Some("waiting: 1 execution, 3.4 s")
        );
        polling.insert("b".to_string(), now - Duration::from_millis(200));
        assert_eq!(
            live_line(&polling, now).as_deref(),
            Some("waiting: 2 executions, 3.4 s")
        );
    }
}
