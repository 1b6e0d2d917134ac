//! wapzi-homolog: the command-line entry point. Parsing and exit codes only;
//! everything else lives in the library.

use std::process::ExitCode;

use clap::Parser;
use wapzi_homolog::{app, cli::Cli, exit};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are not errors.
            let code = if e.use_stderr() {
                exit::SETUP
            } else {
                exit::READY
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match app::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("{}", e.render());
            ExitCode::from(e.exit_code())
        }
    }
}
