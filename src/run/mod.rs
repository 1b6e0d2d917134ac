//! The runner: executes validated checks over HTTP and produces results.
//!
//! `harness` schedules checks on one tokio runtime and `libtest` reports
//! them through libtest-mimic; `check` and `step` run one check; `http`
//! sends requests with the run's `clients` and reads `body`s under a cap;
//! `expect` (with the check language's matchers, [`crate::lang`]) and
//! `poll` judge responses.

mod assemble;
mod body;
mod check;
mod clients;
mod clock;
mod der;
mod diagnose;
mod error;
mod expect;
mod fds;
mod harness;
mod headline;
mod http;
mod libtest;
mod observer;
mod poll;
mod preflight;
mod proxy;
mod selection;
mod settings;
mod step;
mod tls;
mod transport;
mod turns;
mod verdict;

pub use assemble::assemble;
pub use error::RunError;
pub use fds::{fd_room, fit};
pub use harness::{execute, Executed, Plan};
pub use libtest::print_results;
pub use observer::Observer;
pub use proxy::{choose as choose_proxy, ProxyChoice};
pub use selection::{Selection, Unmatched};
pub use settings::{RunSettings, TargetSettings, Timeouts};
pub use tls::{extra_roots, probe_tls};
