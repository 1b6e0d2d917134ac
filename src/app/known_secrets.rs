//! Secrets known before the checks are loaded: an error that quotes a
//! file (a `.env` given as a check file) must not show one.

use std::path::{Path, PathBuf};

use crate::app::error::AppError;
use crate::check::{env_var_for, load_sources, CheckSet, CheckSource, BUILTIN_FIXTURES};
use crate::cli::RunArgs;
use crate::secret::{Redactor, Secret};

use super::config::read_secret_file;

/// The key and the built-in secret fixtures, from `env` (the environment,
/// or an `--env-file` behind it) and the files `args` names. A value that
/// cannot be a secret is left out here; resolving the target refuses it.
pub(super) fn known_secrets(
    args: Option<&RunArgs>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Redactor {
    let names = BUILTIN_FIXTURES
        .iter()
        .filter(|(_, secret, _)| *secret)
        .map(|(name, ..)| env_var_for(name));
    let from_env = std::iter::once("WAPZI_API_KEY".to_string())
        .chain(names)
        .filter_map(|name| env(&name).and_then(|v| Secret::new(&v, &name).ok()));
    let files: Vec<PathBuf> = args
        .map(|a| {
            let secret_files = a
                .secret_files
                .iter()
                .filter_map(|pair| pair.split_once('=').map(|(_, path)| PathBuf::from(path)));
            a.api_key_file.iter().cloned().chain(secret_files).collect()
        })
        .unwrap_or_default();
    let from_files = files
        .iter()
        .filter_map(|path| read_secret_file(Path::new(path), "a secret file").ok());
    let secrets: Vec<Secret> = from_env.chain(from_files).collect();
    Redactor::new(&secrets)
}

/// The folder the checks are taken from when no `--checks` is given, if it
/// exists (else the built-in set): where `init` writes them.
pub(super) const DEFAULT_CHECKS_DIR: &str = "checks";

/// Loads the checks `paths` name (`builtin`, files, folders; with none,
/// the built-in set and `./checks` beside it, as `checks_set` chooses),
/// saying its hints on stderr; errors quote files with `secrets` redacted.
pub(super) fn load_checks(paths: &[PathBuf], secrets: &Redactor) -> Result<CheckSet, AppError> {
    let choice = super::checks_set::choose_checks(paths, Path::new(DEFAULT_CHECKS_DIR));
    for note in &choice.notes {
        eprintln!("{note}");
    }
    load_checks_from(&choice.sources.value, secrets)
}

/// Loads the checks of `sources`; errors quote files with `secrets` redacted.
pub(super) fn load_checks_from(
    sources: &[CheckSource],
    secrets: &Redactor,
) -> Result<CheckSet, AppError> {
    load_sources(sources).map_err(|e| AppError::Checks(e.redacted(secrets)))
}

/// [`load_checks`] with the secrets of the process environment.
pub(super) fn load_checks_env(paths: &[PathBuf]) -> Result<CheckSet, AppError> {
    let env = |name: &str| std::env::var(name).ok();
    load_checks(paths, &known_secrets(None, &env))
}
