//! `wapzi-homolog init [DIR]`: writes an integrator's homologation folder,
//! refusing to overwrite anything unless `--force`; `--skip-existing`
//! writes only what is missing and keeps the rest. `.gitignore` is only
//! ever completed, never replaced.

use std::path::{Path, PathBuf};

use crate::app::error::{AppError, InitError};
use crate::cli::InitArgs;
use crate::exit;
use crate::scaffold::{self, Wrote, DEFAULT_CHECKS, EXAMPLE_CHECK_FILE, GITLAB_PIPELINE_FILE};

use super::stdout::line;

/// Writes the scaffold into `args.dir` and says what to do next.
pub fn init(args: InitArgs) -> Result<u8, AppError> {
    let mut plan = scaffold::plan(args.from_source, args.vendor);
    let links = scaffold::links(&args.dir, &plan);
    if !links.is_empty() {
        return Err(InitError::Links(links).into());
    }
    let existing = scaffold::conflicts(&args.dir, &plan);
    if !existing.is_empty() && !args.force && !args.skip_existing {
        return Err(InitError::WouldOverwrite(existing).into());
    }
    let kept: Vec<PathBuf> = if args.skip_existing {
        plan.retain(|p| !existing.contains(&args.dir.join(&p.path)));
        existing.clone()
    } else {
        Vec::new()
    };
    let wrote = scaffold::write(&args.dir, &plan).map_err(|source| InitError::Write {
        dir: args.dir.clone(),
        source,
    })?;
    say_what_was_done(&args, &wrote, &existing, &kept);
    Ok(exit::READY)
}

/// The files written, overwritten and kept, and the next commands.
fn say_what_was_done(args: &InitArgs, wrote: &[Wrote], existing: &[PathBuf], kept: &[PathBuf]) {
    let dir = args.dir.display();
    let whole = wrote
        .iter()
        .filter(|w| matches!(w, Wrote::Whole(_)))
        .count();
    let overwritten = if args.force && !existing.is_empty() {
        format!(" ({} overwritten)", existing.len())
    } else {
        String::new()
    };
    line(format_args!("wrote {whole} files into {dir}{overwritten}:"));
    let written = |path: &str| wrote.contains(&Wrote::Whole(PathBuf::from(path)));
    let vendored = wrote
        .iter()
        .filter(|w| matches!(w, Wrote::Whole(p) if p.starts_with("checks") && p.as_path() != Path::new(EXAMPLE_CHECK_FILE) && p.as_path() != Path::new(scaffold::SCHEMA_FILE)))
        .count();
    if vendored > 0 {
        line(format_args!(
            "  checks/<area>/                      {vendored} of the {} built-in checks, pinned at {}",
            DEFAULT_CHECKS.len(),
            env!("CARGO_PKG_VERSION")
        ));
    }
    let others = [
        (
            EXAMPLE_CHECK_FILE,
            "a check of your own to start from (the built-in checks run beside it)",
        ),
        (
            scaffold::SCHEMA_FILE,
            "the checks' JSON Schema, for editors",
        ),
        (
            ".env.example",
            "every variable and fixture (copy to .env, which git ignores)",
        ),
        (scaffold::GITHUB_WORKFLOW_FILE, "GitHub Actions gate"),
        (
            scaffold::GITLAB_JOB_FILE,
            "GitLab CI gate, a job to include",
        ),
        (GITLAB_PIPELINE_FILE, "a GitLab pipeline including it"),
    ];
    for (path, what) in others.into_iter().filter(|(p, _)| written(p)) {
        line(format_args!("  {path:<35} {what}"));
    }
    for w in wrote {
        if let Wrote::Appended(path, lines) = w {
            let path = path.display();
            if lines.is_empty() {
                line(format_args!("{path} already ignores .env and reports/"));
            } else {
                line(format_args!("{path}: added {}", lines.join(", ")));
            }
        }
    }
    if !kept.is_empty() {
        line(format_args!(
            "kept {} existing file(s) (--force overwrites them):\n{}",
            kept.len(),
            indented(kept)
        ));
    }
    if kept.contains(&args.dir.join(GITLAB_PIPELINE_FILE)) {
        line(format_args!(
            "your {GITLAB_PIPELINE_FILE} was kept: add the gate to it with\n  include:\n    - local: {}",
            scaffold::GITLAB_JOB_FILE
        ));
    }
    next_commands(&args.dir);
}

/// The commands to run next, in `dir`: with no `--checks`, a run loads
/// the built-in checks and those in `dir/checks` (`--checks` would replace
/// them).
fn next_commands(dir: &Path) {
    line("\nnext:");
    if dir != Path::new(".") && dir != Path::new("") {
        line(format_args!("  cd {}", dir.display()));
    }
    line("  wapzi-homolog validate                  # the built-in checks and yours in checks/");
    line("  wapzi-homolog run --sandbox             # against the embedded sandbox: a self-test");
    line("  cp .env.example .env                    # then fill in the key and entry point");
    line("  wapzi-homolog run --env-file .env       # against your Wapzi setup");
}

/// One path a line, indented.
fn indented(paths: &[PathBuf]) -> String {
    let lines: Vec<String> = paths.iter().map(|p| format!("  {}", p.display())).collect();
    lines.join("\n")
}
