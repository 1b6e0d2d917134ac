//! wapzi-homolog: tells an integrator whether their setup of the Wapzi
//! external-service API is ready for go-live.
//!
//! Data flows one way: check files ([`check`]) are loaded and validated, the
//! runner (`run`) executes them over HTTP and produces a [`result`] model,
//! and the reporters ([`report`]) render that model. The [`sandbox`] is the
//! embedded reference server and depends on none of them.
//!
//! [`app`] wires them, one module per subcommand, and holds what only it
//! uses: the target's settings from flags and the environment
//! (`app::config`), the terminal's verdict (`app::term`) and its `-v`
//! and live lines (`app::console`). Text shared by the layers sits at the
//! root: `text` makes server-sent text visible, and `failure_text`
//! lays a check's failure out for libtest's lines and the reports alike.

pub(crate) mod api;
pub mod app;
pub mod check;
pub mod cli;
pub mod exit;
pub(crate) mod failure_text;
pub(crate) mod file;
pub mod grade;
pub mod record;
pub mod recorder;
pub mod recording;
pub mod report;
pub mod result;
pub(crate) mod run;
pub mod sandbox;
pub mod scaffold;
pub mod secret;
pub(crate) mod source;
pub(crate) mod text;
pub mod waiver;
