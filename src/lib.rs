//! wapzi-homolog: tells an integrator whether their setup of the Wapzi
//! external-service API is ready for go-live.
//!
//! Data flows one way: check files ([`check`]) are loaded and validated, the
//! runner ([`run`]) executes them over HTTP and produces a [`result`] model,
//! and the reporters ([`report`]) render that model. The [`sandbox`] is the
//! embedded reference server and depends on none of them.

pub mod app;
pub mod check;
pub mod cli;
pub mod config;
pub mod console;
pub mod error;
pub mod exit;
pub mod failure_text;
pub mod file;
pub mod grade;
pub mod recorder;
pub mod recording;
pub mod report;
pub mod result;
pub mod run;
pub mod sandbox;
pub mod scaffold;
pub mod secret;
pub mod source;
pub mod term;
pub mod text;
