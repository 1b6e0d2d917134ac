//! `wapzi-homolog init`: an integrator's own homologation folder, from
//! what is built into the binary.
//!
//! ```text
//! DIR/
//!   checks/example/greeting-answered.yaml  a check of your own, to start from
//!   checks/check.schema.json           the checks' JSON Schema, for editors
//!   checks/<area>/<name>.yaml          with --vendor: the built-in checks, pinned
//!   .env.example                       every variable and fixture, secrets marked
//!   .github/workflows/homologation.yml GitHub Actions gate
//!   .gitlab/homologation.yml           GitLab CI gate, a job to include
//!   .gitlab-ci.yml                     a pipeline that includes it
//!   .gitignore                         completed with .env and reports/
//! ```
//!
//! `DIR` is meant to be the root of the integrator's repository: CI
//! recipes only work there, and `wapzi-homolog run` finds `checks/` there
//! by default, beside the built-in checks, which come from the binary
//! (`--vendor` copies them, stamped with this version, to pin them). `.gitignore` is never replaced, only completed with the
//! lines it lacks.

mod env_example;
mod gitignore;

use std::path::{Path, PathBuf};

use crate::check::{check_schema_json, load_sources, CheckSet, CheckSource};

pub use env_example::env_example;
pub use gitignore::{completed, missing_lines, GITIGNORE};

/// The shipped checks, as (path below `checks/`, contents), in path order.
pub const DEFAULT_CHECKS: &[(&str, &str)] = crate::check::BUILTIN_CHECKS;

/// The GitHub Actions recipe: the action, pinned to this version.
const GITHUB_WORKFLOW: &str = include_str!("templates/homologation.yml");
/// The GitHub Actions recipe that builds from the git repository.
const GITHUB_WORKFLOW_FROM_SOURCE: &str = include_str!("templates/homologation-from-source.yml");
/// The GitLab CI job: the container image, pinned to this version.
const GITLAB_JOB: &str = include_str!("templates/gitlab-ci.yml");
/// The GitLab CI job that builds from the git repository.
const GITLAB_JOB_FROM_SOURCE: &str = include_str!("templates/gitlab-ci-from-source.yml");
/// The GitLab pipeline `init` writes when there is none: it includes the job.
pub const GITLAB_PIPELINE: &str = include_str!("templates/gitlab-pipeline.yml");
/// The example check of the integrator's own that `init` writes.
pub const EXAMPLE_CHECK: &str = include_str!("templates/example-check.yaml");
/// Where `init` writes the example check, relative to `DIR`.
pub const EXAMPLE_CHECK_FILE: &str = "checks/example/greeting-answered.yaml";

/// How a vendored copy's stamp line starts; the version follows, then `:`.
pub const VENDOR_STAMP: &str = "# vendored from wapzi-homolog ";

/// The stamp line `init --vendor` writes atop the copy of the built-in
/// check at `path` (below `checks/`).
pub fn vendor_stamp(path: &str) -> String {
    format!(
        "{VENDOR_STAMP}{}: builtin:{path}, run instead of the built-in check of its id; delete this file to run the built-in one",
        env!("CARGO_PKG_VERSION")
    )
}

/// The GitHub Actions recipe `init` writes, pinned to this version.
pub fn github_workflow(from_source: bool) -> String {
    pinned(if from_source {
        GITHUB_WORKFLOW_FROM_SOURCE
    } else {
        GITHUB_WORKFLOW
    })
}

/// The GitLab CI job `init` writes, pinned to this version.
pub fn gitlab_job(from_source: bool) -> String {
    pinned(if from_source {
        GITLAB_JOB_FROM_SOURCE
    } else {
        GITLAB_JOB
    })
}

/// `template` with this build's version and repository filled in:
/// `@VERSION@` (0.1.0), `@REPOSITORY@` (Cargo.toml's `repository`),
/// `@ACTION@` (its `owner/name`) and `@IMAGE@` (`ghcr.io/owner/name`).
fn pinned(template: &str) -> String {
    let repository = env!("CARGO_PKG_REPOSITORY");
    let action = repository
        .trim_end_matches('/')
        .trim_start_matches("https://github.com/");
    template
        .replace("@VERSION@", env!("CARGO_PKG_VERSION"))
        .replace("@REPOSITORY@", repository)
        .replace("@ACTION@", action)
        .replace("@IMAGE@", &format!("ghcr.io/{}", action.to_lowercase()))
}

/// Where `init` puts the GitHub workflow, relative to `DIR`.
pub const GITHUB_WORKFLOW_FILE: &str = ".github/workflows/homologation.yml";
/// Where `init` puts the GitLab job, relative to `DIR`.
pub const GITLAB_JOB_FILE: &str = ".gitlab/homologation.yml";
/// The GitLab pipeline, relative to `DIR`.
pub const GITLAB_PIPELINE_FILE: &str = ".gitlab-ci.yml";

/// Where `init` puts the schema, relative to `DIR`.
pub const SCHEMA_FILE: &str = "checks/check.schema.json";

/// The first line of a check file, pointing editors at the schema.
const SCHEMA_LINE_PREFIX: &str = "# yaml-language-server: $schema=";

/// A file `init` writes: its path relative to `DIR`, its contents, and
/// how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub path: PathBuf,
    pub contents: String,
    pub how: How,
}

/// How a planned file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// Written whole; an existing file is a conflict.
    Whole,
    /// Created, or an existing file completed with the lines it lacks.
    MissingLines,
}

/// What writing one planned file did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wrote {
    Whole(PathBuf),
    /// The lines appended to a file (all of them for a new file).
    Appended(PathBuf, Vec<String>),
}

/// The shipped checks, loaded as `run` loads them.
fn builtin_set() -> CheckSet {
    load_sources(&[CheckSource::Builtin]).expect("the built-in checks load: their tests load them")
}

/// Every file `init` writes, in the order it writes them; `from_source`
/// picks the CI recipes that build from the git repository, `vendor` adds
/// copies of the built-in checks, stamped with this version.
pub fn plan(from_source: bool, vendor: bool) -> Vec<Planned> {
    let mut files: Vec<Planned> = if vendor {
        DEFAULT_CHECKS
            .iter()
            .map(|(path, text)| {
                let copy = with_schema_line(path, "check.schema.json", text);
                let (schema, body) = copy.split_once('\n').unwrap_or((&copy, ""));
                Planned {
                    path: Path::new("checks").join(path),
                    contents: format!("{schema}\n{}\n{body}", vendor_stamp(path)),
                    how: How::Whole,
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    files.push(Planned {
        path: PathBuf::from(EXAMPLE_CHECK_FILE),
        contents: EXAMPLE_CHECK.into(),
        how: How::Whole,
    });
    let rest = [
        (SCHEMA_FILE, check_schema_json(), How::Whole),
        (".env.example", env_example(&builtin_set()), How::Whole),
        (
            GITHUB_WORKFLOW_FILE,
            github_workflow(from_source),
            How::Whole,
        ),
        (GITLAB_JOB_FILE, gitlab_job(from_source), How::Whole),
        (GITLAB_PIPELINE_FILE, GITLAB_PIPELINE.into(), How::Whole),
        (".gitignore", GITIGNORE.into(), How::MissingLines),
    ];
    files.extend(rest.into_iter().map(|(path, contents, how)| Planned {
        path: PathBuf::from(path),
        contents,
        how,
    }));
    files
}

/// `text` (a check file `path` below `checks/`) starting with the line
/// that points editors at `schema`, a file in `checks/` itself.
pub fn with_schema_line(path: &str, schema: &str, text: &str) -> String {
    let depth = path.matches('/').count();
    let body = match text.split_once('\n') {
        Some((first, rest)) if first.starts_with(SCHEMA_LINE_PREFIX) => rest,
        _ => text,
    };
    format!(
        "{SCHEMA_LINE_PREFIX}{}{schema}\n{body}",
        "../".repeat(depth)
    )
}

/// The files of `plan` written whole that already exist below `dir`.
pub fn conflicts(dir: &Path, plan: &[Planned]) -> Vec<PathBuf> {
    plan.iter()
        .filter(|p| p.how == How::Whole)
        .map(|p| dir.join(&p.path))
        .filter(|p| p.exists() || p.is_symlink())
        .collect()
}

/// The planned files below `dir` that are, or lie in a folder that is, a
/// symbolic link: writing there would write wherever the link points.
pub fn links(dir: &Path, plan: &[Planned]) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = plan
        .iter()
        .filter_map(|p| first_link(dir, &p.path))
        .collect();
    found.sort();
    found.dedup();
    found
}

/// The first of `dir/relative`'s ancestors below `dir`, or itself, that is
/// a symbolic link.
fn first_link(dir: &Path, relative: &Path) -> Option<PathBuf> {
    let mut path = dir.to_path_buf();
    for component in relative.components() {
        path.push(component);
        if path.is_symlink() {
            return Some(path);
        }
    }
    None
}

/// Writes every planned file below `dir`, creating folders as needed, and
/// says what it did to each; a file or folder that is a symbolic link is
/// never written through.
pub fn write(dir: &Path, plan: &[Planned]) -> std::io::Result<Vec<Wrote>> {
    let mut wrote = Vec::new();
    for file in plan {
        if let Some(link) = first_link(dir, &file.path) {
            let message = format!("{} is a symbolic link", link.display());
            return Err(std::io::Error::other(message));
        }
        let path = dir.join(&file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        match file.how {
            How::Whole => {
                std::fs::write(&path, &file.contents)?;
                wrote.push(Wrote::Whole(file.path.clone()));
            }
            How::MissingLines => {
                let existing = match crate::file::read_regular(&path, 1024 * 1024, "1 MiB") {
                    Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                    Err(_) if !path.exists() => String::new(),
                    Err(e) => {
                        return Err(std::io::Error::other(format!("{}: {e}", path.display())))
                    }
                };
                let missing = missing_lines(&existing, &file.contents);
                if !missing.is_empty() {
                    std::fs::write(&path, completed(&existing, &missing))?;
                }
                let missing = missing.into_iter().map(String::from).collect();
                wrote.push(Wrote::Appended(file.path.clone(), missing));
            }
        }
    }
    Ok(wrote)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embeds_every_shipped_check() {
        let shipped = crate::check::load_paths(&[PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/checks"
        ))])
        .unwrap();
        assert_eq!(DEFAULT_CHECKS.len(), shipped.files.len());
        assert!(DEFAULT_CHECKS.iter().any(|(p, _)| *p == "key/missing.yaml"));
    }

    #[test]
    fn the_schema_line_points_at_checks_from_any_depth() {
        let line = |path: &str, text: &str| {
            with_schema_line(path, "check.schema.json", text)
                .lines()
                .next()
                .unwrap()
                .to_string()
        };
        let shipped = "# yaml-language-server: $schema=../../docs/check.schema.json\nid: a::b\n";
        assert_eq!(
            line("key/missing.yaml", shipped),
            "# yaml-language-server: $schema=../check.schema.json"
        );
        assert_eq!(
            line("top.yaml", "id: a::b\n"),
            "# yaml-language-server: $schema=check.schema.json"
        );
        assert_eq!(
            line("acme/orders/status.yaml", "id: a::b\n"),
            "# yaml-language-server: $schema=../../check.schema.json"
        );
        assert!(
            with_schema_line("key/missing.yaml", "check.schema.json", shipped)
                .ends_with("\nid: a::b\n")
        );
    }

    #[test]
    fn the_ci_recipes_are_pinned_to_this_version() {
        let version = env!("CARGO_PKG_VERSION");
        let action = format!("uses: wapzi/wapzi-homolog@v{version}\n");
        assert!(github_workflow(false).contains(&action));
        let image = format!("name: ghcr.io/wapzi/wapzi-homolog:{version}-ci\n");
        assert!(gitlab_job(false).contains(&image));
        let build = format!(
            "cargo install --locked --git https://github.com/wapzi/wapzi-homolog --tag v{version} wapzi-homolog\n"
        );
        for recipe in [github_workflow(true), gitlab_job(true)] {
            assert!(recipe.contains(&build), "{recipe}");
        }
        for recipe in [
            github_workflow(false),
            github_workflow(true),
            gitlab_job(false),
            gitlab_job(true),
        ] {
            assert!(
                !recipe.contains('@') || !recipe.contains("@VERSION@"),
                "{recipe}"
            );
            assert!(
                !recipe.contains("@REPOSITORY@")
                    && !recipe.contains("@IMAGE@")
                    && !recipe.contains("@ACTION@")
            );
        }
    }
}
