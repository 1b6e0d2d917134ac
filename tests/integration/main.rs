#![allow(clippy::unwrap_used)]

mod anywhere;
mod architecture;
mod basis;
mod bench_support;
mod cli;
mod client;
mod dialects;
mod distribution;
mod editor;
mod faults;
mod fuzz;
mod hostile;
mod init;
mod invalid_checks;
mod lint;
mod readme_promises;
mod record;
mod reports;
mod run_sandbox;
mod settings;
mod support;
mod terminal;
mod tls_ca;
mod verdict_reasons;
mod verdicts;
