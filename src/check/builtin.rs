//! The shipped checks, built into the binary, and where a run takes its
//! checks from: the built-in set, or files and folders on disk.
//!
//! A built-in file is named `builtin:<path below checks/>` wherever a file
//! name is shown (errors, `explain`, the report's checks digest), so a
//! report says which set ran:
//!
//! ```text
//! builtin:key/accepted.yaml:4:1: ...
//! ```

use std::path::{Path, PathBuf};

/// The shipped checks, as (path below `checks/`, contents), in path order
/// (written by `build.rs` from `checks/**/*.yaml`).
pub const BUILTIN_CHECKS: &[(&str, &str)] =
    include!(concat!(env!("OUT_DIR"), "/default_checks.rs"));

/// What `--checks` (or `validate`'s path) says to name the built-in set.
pub const BUILTIN_ARG: &str = "builtin";

/// How a built-in file's name starts.
pub const BUILTIN_PREFIX: &str = "builtin:";

/// Where checks are loaded from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckSource {
    /// The checks built into the binary.
    Builtin,
    /// A check file, or a folder searched recursively.
    Path(PathBuf),
}

impl CheckSource {
    /// The source a command-line value names: [`BUILTIN_ARG`] is the
    /// built-in set (a folder of that name is `./builtin`), anything else a
    /// path.
    pub fn from_arg(arg: &Path) -> CheckSource {
        if arg.as_os_str() == BUILTIN_ARG {
            CheckSource::Builtin
        } else {
            CheckSource::Path(arg.to_path_buf())
        }
    }

    /// The sources `args` name; with none, `default` if it exists, else the
    /// built-in set. (Commands choose the default set in
    /// `app::checks_set`: the built-in set and `./checks` beside it.)
    pub fn from_args(args: &[PathBuf], default: &Path) -> Vec<CheckSource> {
        if !args.is_empty() {
            return args.iter().map(|a| CheckSource::from_arg(a)).collect();
        }
        if default.exists() || default.is_symlink() {
            vec![CheckSource::Path(default.to_path_buf())]
        } else {
            vec![CheckSource::Builtin]
        }
    }
}

/// The ids of the built-in checks (API and client ones), in path order,
/// taken from the one cached load of the set: no second parse of its files.
pub fn builtin_ids() -> &'static [String] {
    static IDS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    IDS.get_or_init(|| {
        let Some(set) = super::load::builtin_set() else {
            return Vec::new();
        };
        let api = set.checks.iter().map(|c| (&c.file, c.id.as_str()));
        let client = set.client_checks.iter().map(|c| (&c.file, c.id.as_str()));
        let mut ids: Vec<_> = api.chain(client).collect();
        ids.sort();
        ids.into_iter().map(|(_, id)| id.to_string()).collect()
    })
}

/// The name a built-in file is shown by, `builtin:key/accepted.yaml`.
pub fn builtin_name(path: &str) -> PathBuf {
    PathBuf::from(format!("{BUILTIN_PREFIX}{path}"))
}

/// The text of the built-in file shown as `name`, if it is one.
pub fn builtin_text(name: &Path) -> Option<&'static str> {
    let path = name.to_str()?.strip_prefix(BUILTIN_PREFIX)?;
    BUILTIN_CHECKS
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, text)| *text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_file_has_its_id_read() {
        let ids = builtin_ids();
        assert_eq!(ids.len(), BUILTIN_CHECKS.len());
        for id in [
            "entry-point::accepts-execute",
            "key::invalid",
            "client::from-backend",
        ] {
            assert!(ids.iter().any(|i| i == id), "{id}: {ids:?}");
        }
        // In path order, and from the one cached load of the set.
        let set = super::super::load::builtin_set().unwrap();
        assert!(std::ptr::eq(
            set,
            super::super::load::builtin_set().unwrap()
        ));
        let first = set.files[0].clone();
        let first_id = set
            .checks
            .iter()
            .map(|c| (&c.file, c.id.as_str()))
            .chain(set.client_checks.iter().map(|c| (&c.file, c.id.as_str())))
            .find(|(file, _)| **file == first)
            .unwrap()
            .1;
        assert_eq!(ids[0], first_id);
    }

    #[test]
    fn builtin_names_the_embedded_set_and_anything_else_a_path() {
        assert_eq!(
            CheckSource::from_arg(Path::new("builtin")),
            CheckSource::Builtin
        );
        for path in ["./builtin", "checks", "builtin/x.yaml"] {
            assert_eq!(
                CheckSource::from_arg(Path::new(path)),
                CheckSource::Path(PathBuf::from(path))
            );
        }
    }

    #[test]
    fn without_arguments_the_default_folder_wins_when_it_exists() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("checks");
        assert_eq!(
            CheckSource::from_args(&[], &missing),
            [CheckSource::Builtin]
        );
        std::fs::create_dir(&missing).unwrap();
        assert_eq!(
            CheckSource::from_args(&[], &missing),
            [CheckSource::Path(missing.clone())]
        );
        let given = [PathBuf::from("builtin"), PathBuf::from("mine")];
        assert_eq!(
            CheckSource::from_args(&given, &missing),
            [
                CheckSource::Builtin,
                CheckSource::Path(PathBuf::from("mine"))
            ]
        );
    }

    #[test]
    fn a_builtin_name_finds_its_text_and_nothing_else_does() {
        let name = builtin_name("key/missing.yaml");
        assert_eq!(name, Path::new("builtin:key/missing.yaml"));
        assert!(builtin_text(&name).unwrap().contains("id: key::missing"));
        assert_eq!(builtin_text(Path::new("key/missing.yaml")), None);
        assert_eq!(builtin_text(Path::new("builtin:nope.yaml")), None);
    }
}
