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
    clap_complete::generate(args.shell, &mut command, &name, &mut script);
    if args.shell == clap_complete::Shell::Bash {
        script = bash_case_labels_fixed(&String::from_utf8_lossy(&script), &name).into_bytes();
    }
    let _ = std::io::stdout().write_all(&script);
    Ok(exit::READY)
}

/// clap_complete's bash script, for a name with a hyphen, sets `cmd` to
/// `wapzi__homolog__subcmd__run` but matches `wapzi__subcmd__homolog__subcmd__run`
/// in the case that offers the options: no subcommand's option completed.
/// The labels are made to match the values.
fn bash_case_labels_fixed(script: &str, name: &str) -> String {
    let wrong = name.replace('-', "__subcmd__");
    let right = name.replace('-', "__");
    script.replace(&wrong, &right)
}
