//! Which checks a command loads when `--checks` (or `validate`'s paths) do
//! not say: the built-in checks, always, and the integrator's own checks in
//! `./checks` beside them. Given paths replace that set.
//!
//! A `./checks` may hold copies of built-in checks: every one, written by
//! an earlier `init`, or pinned by `init --vendor`, which stamps each copy
//! with the version that wrote it. Loaded beside the built-in set they
//! would be duplicate ids, so:
//!
//! - a copy identical to the built-in check is that check: it is left to
//!   the built-in set;
//! - if any copy differs, the folder replaces the built-in set, as it did
//!   before, with one line saying how to move (unstamped copies) or that
//!   vendored copies are older than the binary.
//!
//! ```text
//! hint: ./checks holds 44 copies of built-in checks, written by an earlier `init`: ...
//! warning: ./checks holds built-in checks vendored by wapzi-homolog 0.0.9, ...
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::check::{CheckSource, BUILTIN_CHECKS};
use crate::scaffold::VENDOR_STAMP;
use crate::source::{Source, Sourced};

/// The line that points editors at the schema, which `init` rewrites.
const SCHEMA_LINE: &str = "# yaml-language-server: $schema=";

/// The checks a command loads, where the choice came from, and the lines
/// to print about it (hints, warnings) before anything runs.
#[derive(Debug)]
pub(super) struct ChecksChoice {
    pub sources: Sourced<Vec<CheckSource>>,
    pub notes: Vec<String>,
}

/// A check file below a folder, as far as the choice needs to know it.
#[derive(Debug)]
enum Kind {
    /// Not a built-in id: the integrator's own.
    Own,
    /// A built-in check's id with the same text.
    SameAsBuiltin,
    /// A built-in check's id with other text, and the version in its stamp.
    Changed { stamp: Option<String> },
}

/// The sources `paths` name; with none, the built-in set and `default_dir`
/// (the folder `init` writes) as this module's doc says.
pub(super) fn choose_checks(paths: &[PathBuf], default_dir: &Path) -> ChecksChoice {
    if !paths.is_empty() {
        let sources: Vec<CheckSource> = paths.iter().map(|p| CheckSource::from_arg(p)).collect();
        let notes = paths
            .iter()
            .filter_map(|p| stale_vendored(p, &scan(p)))
            .collect();
        return ChecksChoice {
            sources: Sourced {
                value: sources,
                source: Source::Flag("--checks"),
            },
            notes,
        };
    }
    let sourced = |value| Sourced {
        value,
        source: Source::Default,
    };
    if !default_dir.is_dir() {
        return ChecksChoice {
            sources: sourced(vec![CheckSource::Builtin]),
            notes: Vec::new(),
        };
    }
    let files = scan(default_dir);
    let changed = files
        .iter()
        .filter(|(_, k)| matches!(k, Kind::Changed { .. }))
        .count();
    if changed > 0 {
        let note =
            stale_vendored(default_dir, &files).or_else(|| legacy_copies(default_dir, &files));
        return ChecksChoice {
            sources: sourced(vec![CheckSource::Path(default_dir.to_path_buf())]),
            notes: note.into_iter().collect(),
        };
    }
    let own: Vec<&PathBuf> = files
        .iter()
        .filter(|(_, k)| matches!(k, Kind::Own))
        .map(|(p, _)| p)
        .collect();
    let mut sources = vec![CheckSource::Builtin];
    if own.len() == files.len() && !own.is_empty() {
        sources.push(CheckSource::Path(default_dir.to_path_buf()));
    } else {
        // Copies identical to the built-in ones are left to the built-in set.
        sources.extend(own.into_iter().map(|p| CheckSource::Path(p.clone())));
    }
    ChecksChoice {
        sources: sourced(sources),
        notes: Vec::new(),
    }
}

/// The warning for `dir` when it holds vendored copies stamped by a version
/// older than this binary.
fn stale_vendored(dir: &Path, files: &[(PathBuf, Kind)]) -> Option<String> {
    let this = env!("CARGO_PKG_VERSION");
    let oldest = files
        .iter()
        .filter_map(|(_, k)| match k {
            Kind::Changed { stamp: Some(v) } => Some(v.as_str()),
            _ => None,
        })
        .filter(|v| is_older(v, this))
        .min_by_key(|v| version_key(v))?;
    Some(format!(
        "warning: {} holds built-in checks vendored by wapzi-homolog {oldest}, older than this binary ({this}): they run instead of the built-in ones and miss the fixes since; refresh them with `wapzi-homolog init --vendor --force`, or delete them to run the built-in ones",
        shown(dir)
    ))
}

/// The hint for `dir` when it holds unstamped copies that differ from the
/// built-in checks (written by an `init` before the built-in set was
/// loaded beside a folder).
fn legacy_copies(dir: &Path, files: &[(PathBuf, Kind)]) -> Option<String> {
    let copies = files
        .iter()
        .filter(|(_, k)| matches!(k, Kind::Changed { stamp: None }))
        .count();
    (copies > 0).then(|| {
        format!(
            "hint: {} holds {copies} copies of built-in checks, written by an earlier `init`, which run instead of the built-in ones and miss their fixes: delete them to run the built-in checks beside your own, or pin them with `wapzi-homolog init --vendor --force`",
            shown(dir)
        )
    })
}

/// `./checks` for a relative path, as the `setting:` lines show it.
fn shown(dir: &Path) -> String {
    if dir.is_relative() && !dir.starts_with(".") {
        format!("./{}", dir.display())
    } else {
        dir.display().to_string()
    }
}

/// The check files below `path` (a folder, searched recursively, or a
/// file), each with its kind; unreadable files count as the integrator's
/// own (loading them says what is wrong).
fn scan(path: &Path) -> Vec<(PathBuf, Kind)> {
    let builtin = builtin_bodies();
    let mut files = Vec::new();
    collect(path, &mut files, 0);
    files.sort();
    files
        .into_iter()
        .map(|file| {
            let kind = std::fs::read_to_string(&file)
                .ok()
                .map_or(Kind::Own, |text| kind_of(&text, &builtin));
            (file, kind)
        })
        .collect()
}

/// The `*.yaml` and `*.yml` files below `path`. A link to a folder is not
/// followed (two links to `.` would make the walk exponential; the loader
/// reports loops), a link to a file is.
fn collect(path: &Path, files: &mut Vec<PathBuf>, depth: usize) {
    if depth > 16 {
        return;
    }
    if path.is_file() {
        if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            files.push(path.to_path_buf());
        }
        return;
    }
    if let Ok(entries) = std::fs::read_dir(path) {
        for entry in entries.flatten() {
            let linked_folder =
                entry.file_type().is_ok_and(|t| t.is_symlink()) && entry.path().is_dir();
            if !linked_folder {
                collect(&entry.path(), files, depth + 1);
            }
        }
    }
}

/// The kind of a check file with `text`, given the built-in bodies by id.
fn kind_of(text: &str, builtin: &BTreeMap<String, String>) -> Kind {
    let Some(id) = check_id(text) else {
        return Kind::Own;
    };
    match builtin.get(&id) {
        None => Kind::Own,
        Some(body) if *body == body_of(text) => Kind::SameAsBuiltin,
        Some(_) => Kind::Changed {
            stamp: stamp_of(text),
        },
    }
}

/// Every built-in check's text without its first comment lines, by id.
fn builtin_bodies() -> BTreeMap<String, String> {
    BUILTIN_CHECKS
        .iter()
        .filter_map(|(_, text)| Some((check_id(text)?, body_of(text))))
        .collect()
}

/// The top-level `id` of a check file, read from its `id:` line: the file
/// is not parsed here (a hostile one, nested 200,000 levels deep, is the
/// loader's to refuse, at its line and column).
fn check_id(text: &str) -> Option<String> {
    let line = text.lines().find(|l| l.starts_with("id:"))?;
    let value = line["id:".len()..].trim();
    let value = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
        .unwrap_or(value);
    (!value.is_empty()).then(|| value.to_string())
}

/// `text` without its leading schema and stamp lines, which `init`
/// rewrites; the rest compared as written.
fn body_of(text: &str) -> String {
    let mut rest = text;
    while let Some((first, tail)) = rest.split_once('\n') {
        if first.starts_with(SCHEMA_LINE) || first.starts_with(VENDOR_STAMP) {
            rest = tail;
        } else {
            break;
        }
    }
    rest.to_string()
}

/// The version a vendored copy was stamped with.
fn stamp_of(text: &str) -> Option<String> {
    text.lines().take(3).find_map(|line| {
        let rest = line.strip_prefix(VENDOR_STAMP)?;
        let version = rest.split(|c: char| c == ':' || c.is_whitespace()).next()?;
        (!version.is_empty()).then(|| version.to_string())
    })
}

/// `major.minor.patch` as numbers; anything else sorts first.
fn version_key(version: &str) -> (u64, u64, u64) {
    let core = version.split(['-', '+']).next().unwrap_or_default();
    let mut parts = core.split('.').map(|p| p.parse().unwrap_or(0));
    (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    )
}

/// Whether `version` is older than `than`.
fn is_older(version: &str, than: &str) -> bool {
    version_key(version) < version_key(than)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scaffold::vendor_stamp;

    fn write(dir: &Path, path: &str, text: &str) {
        let file = dir.join(path);
        std::fs::create_dir_all(file.parent().expect("a parent")).expect("a folder");
        std::fs::write(file, text).expect("written");
    }

    fn builtin(path: &str) -> &'static str {
        BUILTIN_CHECKS
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, t)| *t)
            .expect("a built-in check")
    }

    const OWN: &str = "id: acme::mine\ntitle: mine\n";

    #[test]
    fn without_a_folder_the_built_in_set_alone() {
        let dir = tempfile::tempdir().expect("a folder");
        let choice = choose_checks(&[], &dir.path().join("checks"));
        assert_eq!(choice.sources.value, [CheckSource::Builtin]);
        assert!(choice.notes.is_empty());
    }

    #[test]
    fn own_checks_load_beside_the_built_in_set() {
        let dir = tempfile::tempdir().expect("a folder");
        let checks = dir.path().join("checks");
        write(&checks, "acme/mine.yaml", OWN);
        let choice = choose_checks(&[], &checks);
        assert_eq!(
            choice.sources.value,
            [CheckSource::Builtin, CheckSource::Path(checks.clone())]
        );
        assert!(choice.notes.is_empty());
        // Given paths replace the set.
        let given = choose_checks(std::slice::from_ref(&checks), &checks);
        assert_eq!(given.sources.value, [CheckSource::Path(checks)]);
    }

    #[test]
    fn identical_copies_are_left_to_the_built_in_set() {
        let dir = tempfile::tempdir().expect("a folder");
        let checks = dir.path().join("checks");
        let copy = format!(
            "# yaml-language-server: $schema=../check.schema.json\n{}",
            body_of(builtin("key/missing.yaml"))
        );
        write(&checks, "key/missing.yaml", &copy);
        write(&checks, "acme/mine.yaml", OWN);
        let choice = choose_checks(&[], &checks);
        assert_eq!(
            choice.sources.value,
            [
                CheckSource::Builtin,
                CheckSource::Path(checks.join("acme/mine.yaml"))
            ]
        );
        assert!(choice.notes.is_empty());
    }

    #[test]
    fn changed_copies_replace_the_built_in_set_with_a_hint_or_a_warning() {
        let dir = tempfile::tempdir().expect("a folder");
        let checks = dir.path().join("checks");
        let changed = format!("{}\n# edited\n", builtin("key/missing.yaml"));
        write(&checks, "key/missing.yaml", &changed);
        let choice = choose_checks(&[], &checks);
        assert_eq!(choice.sources.value, [CheckSource::Path(checks.clone())]);
        assert_eq!(choice.notes.len(), 1);
        assert!(choice.notes[0].starts_with("hint: "), "{:?}", choice.notes);
        assert!(choice.notes[0].contains("1 copies of built-in checks"));

        let old = format!("{VENDOR_STAMP}0.0.1: builtin:key/missing.yaml\n{changed}");
        write(&checks, "key/missing.yaml", &old);
        let choice = choose_checks(&[], &checks);
        assert_eq!(choice.notes.len(), 1);
        assert!(
            choice.notes[0].starts_with("warning: ") && choice.notes[0].contains("0.0.1"),
            "{:?}",
            choice.notes
        );
        // The same warning when the folder is given.
        let given = choose_checks(std::slice::from_ref(&checks), &checks);
        assert_eq!(given.notes, choice.notes);

        let current = format!("{}\n{changed}", vendor_stamp("key/missing.yaml"));
        write(&checks, "key/missing.yaml", &current);
        assert!(
            choose_checks(&[], &checks).notes.is_empty(),
            "pinned knowingly"
        );
    }

    #[test]
    fn versions_compare_as_numbers() {
        assert!(is_older("0.9.0", "0.10.0"));
        assert!(!is_older("0.1.0", "0.1.0"));
        assert!(is_older("0.1.0", "1.0.0"));
    }
}
