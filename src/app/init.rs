//! `wapzi-homolog init [DIR]`: writes an integrator's homologation folder,
//! refusing to overwrite anything unless `--force`.

use crate::cli::InitArgs;
use crate::error::AppError;
use crate::exit;
use crate::scaffold::{self, DEFAULT_CHECKS};

use super::stdout;

/// Writes the scaffold into `args.dir` and says what to do next.
pub fn init(args: InitArgs) -> Result<u8, AppError> {
    let plan = scaffold::plan();
    let links = scaffold::links(&args.dir, &plan);
    if !links.is_empty() {
        return Err(AppError::Setting(format!(
            "init never writes through a symbolic link, even with --force (it would overwrite the file the link points to); nothing was written. Remove these links, or copy what they point to in their place:\n{}",
            indented(&links)
        )));
    }
    let existing = scaffold::conflicts(&args.dir, &plan);
    if !existing.is_empty() && !args.force {
        return Err(AppError::Setting(format!(
            "init would overwrite {} existing file(s); nothing was written (pass --force to overwrite them):\n{}",
            existing.len(),
            indented(&existing)
        )));
    }
    scaffold::write(&args.dir, &plan)
        .map_err(|e| AppError::Setting(format!("cannot write into {}: {e}", args.dir.display())))?;
    let dir = args.dir.display();
    stdout::line(format_args!(
        "wrote {} files into {dir}{}:",
        plan.len(),
        if existing.is_empty() {
            String::new()
        } else {
            format!(" ({} overwritten)", existing.len())
        }
    ));
    stdout::line(format_args!(
        "  checks/                             {} checks to extend, and check.schema.json for editors",
        DEFAULT_CHECKS.len()
    ));
    stdout::line("  .env.example                        every variable and fixture (copy to .env; keep .env out of git)");
    stdout::line("  .github/workflows/homologation.yml  GitHub Actions gate");
    stdout::line("  .gitlab-ci.yml                      GitLab CI gate");
    let checks = args.dir.join("checks");
    let checks = checks.display();
    stdout::line("\nnext:");
    stdout::line(format_args!("  wapzi-homolog validate {checks}"));
    stdout::line(format_args!(
        "  wapzi-homolog run --sandbox --checks {checks}"
    ));
    stdout::line(format_args!(
        "  wapzi-homolog run --checks {checks} --env-file {}",
        args.dir.join(".env").display()
    ));
    Ok(exit::READY)
}

/// One path a line, indented.
fn indented(paths: &[std::path::PathBuf]) -> String {
    let lines: Vec<String> = paths.iter().map(|p| format!("  {}", p.display())).collect();
    lines.join("\n")
}
