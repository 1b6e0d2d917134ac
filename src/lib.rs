//! wapzi-homolog: tells an integrator whether their setup of the Wapzi
//! external-service API is ready for go-live.
//!
//! Data flows one way: check files ([`check`]) are loaded and validated, the
//! runner (`run`) executes them over HTTP and produces a [`result`] model,
//! and the reporters ([`report`]) render that model. The [`sandbox`] is the
//! embedded reference server and depends on none of them.
//!
//! One core, two sides: the API side ([`run`]) and the client side
//! ([`grade`], over a [`recording`]) share the check language's semantics
//! ([`lang`]: matchers, templates), the one verdict ([`verdict`]), the one
//! result builder ([`assemble`]) and the signals that stop a run
//! ([`interrupt`]); neither side imports the other (tests/integration/
//! architecture.rs holds the rule), so a third side brings its evidence
//! and facts and nothing else.
//!
//! [`app`] wires them, one module per subcommand, and holds what only it
//! uses: the target's settings from flags and the environment
//! (`app::config`), the terminal's verdict (`app::term`) and its `-v`
//! and live lines (`app::console`). Text shared by the layers sits at the
//! root: `text` makes server-sent text visible, and `failure_text`
//! lays a check's failure out for libtest's lines and the reports alike.

pub(crate) mod api;
pub mod app;
pub mod assemble;
pub mod check;
pub mod cli;
pub mod exit;
pub(crate) mod failure_text;
pub(crate) mod file;
pub mod grade;
pub mod interrupt;
pub mod lang;
pub mod record;
pub mod recorder;
pub mod recording;
pub mod report;
pub mod result;
pub(crate) mod run;
pub mod sandbox;
pub mod scaffold;
pub mod secret;
pub mod source;
pub mod text;
pub mod verdict;
pub mod waiver;
