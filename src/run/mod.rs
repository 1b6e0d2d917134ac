//! The runner: executes validated checks over HTTP and produces results.
//!
//! `harness` schedules checks on one tokio runtime and reports them through
//! libtest-mimic; `check` and `step` run one check; `http` sends requests;
//! `expect`, `matcher` and `poll` judge responses.

mod assemble;
mod check;
mod clock;
mod der;
mod diagnose;
mod error;
mod expect;
mod fds;
mod harness;
mod headline;
mod http;
mod interrupt;
pub(crate) mod matcher;
mod observer;
mod poll;
mod preflight;
mod proxy;
pub(crate) mod render;
mod selection;
mod settings;
mod step;
mod tls;
mod transport;
mod turns;
mod verdict;

pub use assemble::{assemble, checks_digest, new_run_id, rfc3339};
pub use error::RunError;
pub use fds::{fd_room, fit, FdRoom, Fit};
pub use harness::{execute, print_results, Executed, Plan};
pub use interrupt::{interrupted, watch as watch_signals, Signal};
pub use observer::Observer;
pub use proxy::{choose as choose_proxy, ProxyChoice};
pub use selection::{PatternKind, Selection, Suggestion, Unmatched};
pub use settings::{RunSettings, TargetSettings, Timeouts};
pub use tls::probe_tls;
