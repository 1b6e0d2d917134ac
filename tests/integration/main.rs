#![allow(clippy::unwrap_used)]

mod cli;
mod faults;
mod invalid_checks;
mod reports;
mod run_sandbox;
mod support;
mod editor;
mod init;
mod terminal;
