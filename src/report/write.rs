//! Writing the whole report set: `<root>/<run-id>/` and `<root>/latest/`.

use std::borrow::Cow;
use std::path::{Component, Path, PathBuf};

use super::attestation::{self, RecordSettings};
use super::error::ReportError;
use super::redact::redacted_copy;
use super::{atomic, html, json, junit, markdown};
use super::{
    render_digest, HTML_FILE, JSON_DIGEST_FILE, JSON_FILE, JUNIT_FILE, LATEST_DIR, MARKDOWN_FILE,
};
use crate::record::RECORD_FILE;
use crate::result::RunResult;
use crate::secret::Redactor;

/// What [`write_all`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportSet {
    /// `<root>/<run-id>`.
    pub dir: PathBuf,
    /// `<root>/latest`.
    pub latest: PathBuf,
    /// Every file written, in the run directory then in `latest/`.
    pub files: Vec<PathBuf>,
}

/// Writes `report.json`, `report.json.sha256`, `junit.xml`, `report.md` and
/// `report.html` into `<root>/<run_id>/`, then replaces `<root>/latest/`
/// with hard links to them (copies where the file system has no links).
///
/// Every format is rendered before anything is written, and each directory
/// is built under a hidden staging name and renamed into place, so no reader
/// ever sees a half-written file or a half-filled directory.
pub fn write_all(
    result: &RunResult,
    root: &Path,
    redactor: &Redactor,
) -> Result<ReportSet, ReportError> {
    write_all_with(result, root, redactor, &RecordSettings::default())
}

/// [`write_all`], and `attestation.json` beside the reports when the run
/// reached a verdict: the record of the run made as `record` says
/// (validity, signing key).
pub fn write_all_with(
    result: &RunResult,
    root: &Path,
    redactor: &Redactor,
    record: &RecordSettings,
) -> Result<ReportSet, ReportError> {
    check_run_id(&result.run_id)?;
    let rendered = render_all(result, redactor, record)?;
    atomic::create_dir(root)?;
    let dir = root.join(&result.run_id);
    atomic::replace_dir(&dir, &result.run_id, |staging| {
        rendered.iter().try_for_each(|(name, content)| {
            atomic::write_new(&staging.join(name), content.as_bytes())
        })
    })?;
    let latest = root.join(LATEST_DIR);
    atomic::replace_dir(&latest, &result.run_id, |staging| {
        rendered.iter().try_for_each(|(name, content)| {
            atomic::link_or_write(&dir.join(name), &staging.join(name), content.as_bytes())
        })
    })?;
    let files = [&dir, &latest]
        .iter()
        .flat_map(|d| rendered.iter().map(|(name, _)| d.join(name)))
        .collect();
    Ok(ReportSet { dir, latest, files })
}

/// Every format, rendered from one redacted copy of the model: the writers
/// then only redact their output text.
fn render_all(
    result: &RunResult,
    redactor: &Redactor,
    record: &RecordSettings,
) -> Result<Vec<(&'static str, String)>, ReportError> {
    let (json, may_hold_secret) = json::render_checked(result, redactor)?;
    let run = if may_hold_secret {
        Cow::Owned(redacted_copy(result, redactor)?)
    } else {
        Cow::Borrowed(result)
    };
    let digest = render_digest(&json);
    let junit = junit::render(&run, redactor)?;
    let attestation = attestation::has_record(run.verdict)
        .then(|| attestation::render(&run, &json, &junit, record));
    let mut files = vec![
        (JSON_FILE, json),
        (JSON_DIGEST_FILE, digest),
        (JUNIT_FILE, junit),
        (MARKDOWN_FILE, markdown::render(&run, redactor)),
        (HTML_FILE, html::render(&run, redactor)?),
    ];
    files.extend(attestation.map(|text| (RECORD_FILE, text)));
    Ok(files)
}

/// The run id must name one plain directory that is not `latest` or one of
/// its staging names.
fn check_run_id(run_id: &str) -> Result<(), ReportError> {
    let mut components = Path::new(run_id).components();
    let single_normal = matches!(
        (components.next(), components.next()),
        (Some(Component::Normal(_)), None)
    );
    let plain = single_normal
        && !run_id.contains(['/', '\\', '\0'])
        && run_id != LATEST_DIR
        && !run_id.starts_with(&format!("{LATEST_DIR}."))
        && !run_id.starts_with('.');
    if plain {
        Ok(())
    } else {
        Err(ReportError::InvalidRunId {
            run_id: run_id.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::{sample_run, PLANTED_SECRET};
    use crate::secret::Secret;
    use std::fs;

    const NAMES: [&str; 6] = [
        JSON_FILE,
        JSON_DIGEST_FILE,
        JUNIT_FILE,
        MARKDOWN_FILE,
        HTML_FILE,
        RECORD_FILE,
    ];

    #[test]
    fn writes_every_file_and_mirrors_latest() {
        let root = tempfile::tempdir().unwrap();
        let run = sample_run();
        let set = write_all(&run, root.path(), &Redactor::default()).unwrap();
        assert_eq!(set.dir, root.path().join(&run.run_id));
        assert_eq!(set.latest, root.path().join("latest"));
        assert_eq!(set.files.len(), 12);
        for name in NAMES {
            let a = fs::read(set.dir.join(name)).unwrap();
            let b = fs::read(set.latest.join(name)).unwrap();
            assert_eq!(a, b, "{name} differs between the run dir and latest/");
            assert!(set.files.contains(&set.dir.join(name)));
            assert!(set.files.contains(&set.latest.join(name)));
        }
        let mut entries: Vec<_> = fs::read_dir(root.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        entries.sort();
        assert_eq!(entries, [run.run_id.as_str(), "latest"], "no staging left");
    }

    #[cfg(unix)]
    #[test]
    fn latest_holds_links_to_the_run_files_not_copies() {
        use std::os::unix::fs::MetadataExt;
        let root = tempfile::tempdir().unwrap();
        let set = write_all(&sample_run(), root.path(), &Redactor::default()).unwrap();
        for name in NAMES {
            let run_file = fs::metadata(set.dir.join(name)).unwrap();
            let latest_file = fs::metadata(set.latest.join(name)).unwrap();
            assert_eq!(run_file.ino(), latest_file.ino(), "{name}");
            assert_eq!(run_file.nlink(), 2, "{name}");
        }
    }

    #[test]
    fn an_existing_run_directory_is_replaced_whole() {
        let root = tempfile::tempdir().unwrap();
        let run = sample_run();
        let stale = root.path().join(&run.run_id).join("stale.txt");
        fs::create_dir_all(stale.parent().unwrap()).unwrap();
        fs::write(&stale, b"from an earlier attempt").unwrap();
        let set = write_all(&run, root.path(), &Redactor::default()).unwrap();
        assert!(!stale.exists());
        assert!(set.dir.join(JSON_FILE).exists());
    }

    #[test]
    fn digest_file_matches_report_json() {
        let root = tempfile::tempdir().unwrap();
        let set = write_all(&sample_run(), root.path(), &Redactor::default()).unwrap();
        let json = fs::read(set.dir.join(JSON_FILE)).unwrap();
        let line = fs::read_to_string(set.dir.join(JSON_DIGEST_FILE)).unwrap();
        use sha2::{Digest, Sha256};
        let expected = format!("{}  report.json\n", hex::encode(Sha256::digest(&json)));
        assert_eq!(line, expected);
    }

    #[test]
    fn second_run_replaces_latest() {
        let root = tempfile::tempdir().unwrap();
        let first = sample_run();
        write_all(&first, root.path(), &Redactor::default()).unwrap();
        let mut second = sample_run();
        second.run_id = "20261128T150000Z-ffffff".into();
        let set = write_all(&second, root.path(), &Redactor::default()).unwrap();
        let json = fs::read_to_string(set.latest.join(JSON_FILE)).unwrap();
        assert!(json.contains("20261128T150000Z-ffffff"));
        assert!(root.path().join(&first.run_id).join(JSON_FILE).exists());
    }

    #[test]
    fn no_file_holds_the_secret() {
        let root = tempfile::tempdir().unwrap();
        let secret = Secret::new(PLANTED_SECRET, "key").unwrap();
        let redactor = Redactor::new([&secret]);
        let set = write_all(&sample_run(), root.path(), &redactor).unwrap();
        for file in &set.files {
            let bytes = fs::read(file).unwrap();
            assert!(
                !redactor.finds_secret_in(&bytes),
                "{} leaks",
                file.display()
            );
        }
    }

    #[test]
    fn unwritable_root_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("not-a-dir");
        fs::write(&root, b"a regular file").unwrap();
        let err = write_all(&sample_run(), &root, &Redactor::default()).unwrap_err();
        let path = err.path().unwrap();
        assert!(path.starts_with(&root), "{err}");
        assert!(err.to_string().contains("not-a-dir"), "{err}");
        assert!(err.io_error().is_some());
    }

    #[test]
    fn run_id_must_be_one_plain_name() {
        for bad in [
            "",
            ".",
            "..",
            "a/b",
            "../x",
            "latest",
            "latest.tmp-x",
            ".hidden",
        ] {
            assert!(check_run_id(bad).is_err(), "{bad:?} accepted");
        }
        check_run_id("20261128T141535Z-1a2b3c").unwrap();
    }
}
