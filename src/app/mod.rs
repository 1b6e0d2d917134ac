//! Subcommand dispatch, one module per subcommand; `run` wires check
//! loading -> run -> result -> reports. The modules only the subcommands
//! use live here too: `config` (the target from flags and the environment),
//! `term` (the verdict on the terminal) and `console` (`-v` lines and the
//! live line).

mod checks_set;
mod client;
pub(crate) mod config;
pub(crate) mod console;
mod editor;
mod env_file;
pub(crate) mod error;
mod explain;
mod init;
mod known_secrets;
mod record;
mod run_checks;
mod run_options;
mod sandbox;
mod stdout;
pub(crate) mod term;
mod verify;

use crate::cli::{Cli, Command, ListArgs, SandboxBehaviour, ValidateArgs};
use crate::exit;
use crate::sandbox::SandboxConfig;
use error::AppError;

/// Runs the command and returns the process exit code.
pub fn run(cli: Cli) -> Result<u8, AppError> {
    // Every command colours alike; `run --color` decides again.
    configure_colour(None);
    match cli.command {
        Command::Run(args) => run_checks::run_checks(*args),
        Command::List(args) => list(args),
        Command::Validate(args) => validate(args),
        Command::Explain(args) => explain::explain(args),
        Command::Init(args) => init::init(args),
        Command::Schema => editor::schema(),
        Command::Completions(args) => editor::completions(args),
        Command::Sandbox(args) => sandbox::sandbox(args),
        Command::Client(args) => client::client(*args),
        Command::Verify(args) => verify::verify(args),
    }
}

/// Decides colour once for everything printed (stdout's and stderr's
/// lines): `forced` first, else [`term::colour_on`] for stdout.
fn configure_colour(forced: Option<bool>) -> bool {
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let on = term::colour_on(forced, terminal, |name| std::env::var(name).ok());
    colored::control::set_override(on);
    on
}

fn list(args: ListArgs) -> Result<u8, AppError> {
    let set = known_secrets::load_checks_env(&args.checks)?;
    // Client checks (graded by `client`) follow, their ids in `client::`
    // for the built-in ones, their item a checklist id or a practice.
    let api = set.checks.iter().map(|c| {
        let item = c.checklist.id();
        (&c.id, c.severity, item, &c.title)
    });
    let client = set
        .client_checks
        .iter()
        .map(|c| (&c.id, c.severity, c.item.id(), &c.title));
    for (id, severity, item, title) in api.chain(client) {
        stdout::line(format_args!(
            "{id:<44} {:<9} {item:<21} {title}",
            severity.as_str()
        ));
    }
    Ok(exit::READY)
}

fn validate(args: ValidateArgs) -> Result<u8, AppError> {
    let set = known_secrets::load_checks_env(&args.paths)?;
    let client = match set.client_checks.len() {
        0 => String::new(),
        n => format!(" ({n} of them client checks, graded by `client`)"),
    };
    stdout::line(format_args!(
        "{} checks in {} files are valid{client}",
        set.checks.len() + set.client_checks.len(),
        set.files.len()
    ));
    Ok(exit::READY)
}

/// The runtime of a run or of the sandbox: one worker. A run waits on the
/// network; a second worker only added cross-thread wake-ups (about 0.5 ms
/// of CPU time per run, docs/benchmarks.md).
fn runtime() -> Result<tokio::runtime::Runtime, AppError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| crate::run::RunError::Runtime(e).into())
}

/// The sandbox `behaviour` asks for (its names were parsed, "did you
/// mean" and all, by the command line).
fn sandbox_config(behaviour: &SandboxBehaviour) -> SandboxConfig {
    SandboxConfig {
        latency: behaviour.latency,
        faults: behaviour.faults.clone(),
        dialects: behaviour.dialects.clone(),
        ..SandboxConfig::default()
    }
}

/// The names of typed values (faults, dialects, scenarios) as reports
/// write them: text made at the edge.
fn names<T: std::fmt::Display>(values: &[T]) -> Vec<String> {
    values.iter().map(ToString::to_string).collect()
}
