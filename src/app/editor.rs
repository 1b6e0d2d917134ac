//! `wapzi-homolog schema` and `wapzi-homolog completions`: what editors and
//! shells need to help whoever writes checks or commands.

use std::io::Write;

use clap::CommandFactory;

use crate::app::error::AppError;
use crate::check::{builtin_ids, check_schema_json};
use crate::cli::{Cli, CompletionsArgs};
use crate::exit;
use crate::sandbox::{Dialect, Fault, Scenario};

/// Prints the JSON Schema of check files.
pub fn schema() -> Result<u8, AppError> {
    // A closed pipe (`schema | head`) is the reader's choice, not an error.
    let _ = std::io::stdout().write_all(check_schema_json().as_bytes());
    Ok(exit::READY)
}

/// Prints the completion script of `args.shell`.
pub fn completions(args: CompletionsArgs) -> Result<u8, AppError> {
    let mut command = with_value_candidates(Cli::command());
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

/// `command` with the values a shell may offer for `--fault`, `--dialect`,
/// `--scenario`, and check ids (`explain`, `run`'s filters and `--skip`).
/// Only the script is given them: the command that runs keeps its own
/// parsers (the typed names with their "did you mean", and filters that may
/// be any part of an id). The check ids are the built-in ones: a static
/// script cannot know a folder's own checks.
fn with_value_candidates(command: clap::Command) -> clap::Command {
    // `redirect-to=URL` takes a value of the user's: completing its name
    // would leave `redirect-to= ` with a space after it, so it is typed.
    let faults = candidates(
        Fault::ALL
            .iter()
            .filter(|f| !f.name.contains('='))
            .map(|f| (f.name, f.description)),
    );
    let dialects = candidates(Dialect::ALL.iter().map(|d| (d.name, d.description)));
    let scenarios = candidates(Scenario::ALL.iter().map(|s| (s.name, s.description)));
    let ids = candidates(builtin_ids().iter().map(|id| (id.as_str(), "")));
    let behaviour = |c: clap::Command| {
        c.mut_arg("faults", |a| a.value_parser(faults.clone()))
            .mut_arg("dialects", |a| a.value_parser(dialects.clone()))
    };
    command
        .mut_subcommand("run", |c| {
            behaviour(c)
                .mut_arg("filters", |a| a.value_parser(ids.clone()))
                .mut_arg("skip", |a| a.value_parser(ids.clone()))
        })
        .mut_subcommand("sandbox", behaviour)
        .mut_subcommand("client", |c| {
            behaviour(c).mut_arg("scenarios", |a| a.value_parser(scenarios.clone()))
        })
        .mut_subcommand("explain", |c| {
            c.mut_arg("id", |a| a.value_parser(ids.clone()))
        })
}

/// A parser whose possible values are `values` (name, description): what
/// clap_complete offers. A description's double quotes become single ones:
/// clap_complete's zsh script puts it between double quotes unescaped.
fn candidates<'a>(
    values: impl Iterator<Item = (&'static str, &'a str)>,
) -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(values.map(|(name, help)| {
        let value = clap::builder::PossibleValue::new(name);
        if help.is_empty() {
            value
        } else {
            value.help(help.replace(['"', '`'], "'"))
        }
    }))
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
