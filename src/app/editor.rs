//! `wapzi-homolog schema` and `wapzi-homolog completions`: what editors and
//! shells need to help whoever writes checks or commands.

use std::io::Write;

use clap::CommandFactory;

use crate::check::check_schema_json;
use crate::cli::{Cli, CompletionsArgs};
use crate::error::AppError;
use crate::exit;

/// Prints the JSON Schema of check files.
pub fn schema() -> Result<u8, AppError> {
    // A closed pipe (`schema | head`) is the reader's choice, not an error.
    let _ = std::io::stdout().write_all(check_schema_json().as_bytes());
    Ok(exit::READY)
}

/// Prints the completion script of `args.shell`.
pub fn completions(args: CompletionsArgs) -> Result<u8, AppError> {
    let mut command = Cli::command();
    let name = command.get_name().to_string();
    // Into a buffer first: the generator panics on a closed pipe.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, name, &mut script);
    let _ = std::io::stdout().write_all(&script);
    Ok(exit::READY)
}
