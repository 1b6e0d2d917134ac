#![allow(clippy::unwrap_used)]

mod reports;
mod cli;
mod run_sandbox;
mod support;
mod faults;
mod invalid_checks;
