//! Finding, reading and parsing check files; every error of every file is
//! collected before giving up.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::de::{DeserializeSeed, Deserializer};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::file::read_regular;

use super::builtin::{builtin_name, CheckSource, BUILTIN_CHECKS};
use super::client_model::ClientCheck;
use super::error::{did_you_mean, CheckError, CheckErrorKind, CheckErrors};
use super::fixture::FixtureCatalog;
use super::model::Check;
use super::raw::RawCheck;
use super::raw_client::RawClientCheck;
use super::source::SourceText;
use super::validate::{
    duplicate_id, validate_check, validate_client_check, validate_set, FileContext,
};
use super::yaml::{self, Positions, ReadError, MAX_DEPTH};
use super::CheckId;

/// The checks of a run, with what they were loaded from.
#[derive(Debug, Clone)]
pub struct CheckSet {
    /// The API checks `run` runs, sorted by id, the order trials are
    /// listed and reported in.
    pub checks: Vec<Check>,
    /// The client checks `client` grades a recording with (files with
    /// `rules:`), sorted by id; `run` never sees them.
    pub client_checks: Vec<ClientCheck>,
    pub catalog: FixtureCatalog,
    /// Each file read, in path order; a built-in one as
    /// `builtin:key/accepted.yaml`.
    pub files: Vec<PathBuf>,
    /// SHA-256 over every file's path and bytes, in path order.
    pub digest: String,
}

impl CheckSet {
    /// Each check's place in the set (file order), by id: the order results
    /// are reported in.
    pub fn order(&self) -> std::collections::HashMap<&str, usize> {
        self.checks
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.as_str(), i))
            .collect()
    }
}

/// A parsed document, waiting for the whole set to be known.
struct Parsed {
    raw: RawCheck,
    context: FileContext,
}

/// A parsed client check document.
struct ParsedClient {
    raw: RawClientCheck,
    context: FileContext,
}

/// Every document parsed so far, by kind.
#[derive(Default)]
struct Documents {
    api: Vec<Parsed>,
    client: Vec<ParsedClient>,
}

/// A check file found: the name it is shown by, and its text if it is
/// built in (else it is read from disk under that name).
struct Found {
    name: PathBuf,
    builtin: Option<&'static str>,
}

/// Loads every check file found in `paths` (files or folders, searched
/// recursively for `*.yaml` and `*.yml`).
pub fn load_paths(paths: &[PathBuf]) -> Result<CheckSet, CheckErrors> {
    let sources: Vec<CheckSource> = paths.iter().cloned().map(CheckSource::Path).collect();
    load_sources(&sources)
}

/// Loads every check of `sources`: the built-in set, files, and folders
/// searched recursively for `*.yaml` and `*.yml`.
pub fn load_sources(sources: &[CheckSource]) -> Result<CheckSet, CheckErrors> {
    let mut errors = Vec::new();
    let found = find_files(sources, &mut errors);
    let mut hasher = Sha256::new();
    let mut documents = Documents::default();
    let mut texts = Vec::new();
    for Found { name, builtin } in &found {
        let bytes = match builtin {
            Some(text) => Ok(text.as_bytes().to_vec()),
            None => read_regular(name, CHECK_FILE_CAP, "64 MiB"),
        };
        match bytes {
            Ok(bytes) => {
                hasher.update(name.to_string_lossy().as_bytes());
                hasher.update([0]);
                hasher.update(&bytes);
                if let Some(text) = utf8_text(name, bytes, &mut errors) {
                    let source = SourceText::new(text);
                    let unasked = parse_file(name, &source, &mut documents, &mut errors);
                    if unasked {
                        texts.push((name.clone(), source));
                    }
                }
            }
            Err(e) => errors.push(CheckError::new(
                name,
                1,
                1,
                CheckErrorKind::Io(e.to_string()),
            )),
        }
    }
    let files: Vec<PathBuf> = found.into_iter().map(|f| f.name).collect();
    let Documents {
        api: parsed,
        client,
    } = documents;
    let catalog = build_catalog(&parsed, &mut errors);
    // Ids of every parsed check, valid or not, so one broken check does not
    // also show up as an unknown requirement of the others.
    let known: Vec<String> = parsed.iter().map(|p| p.raw.id.clone()).collect();
    let mut checks = Vec::new();
    for Parsed { raw, context } in parsed {
        match validate_check(raw, &context, &catalog) {
            Ok(check) => checks.push((check, context)),
            Err(mut e) => errors.append(&mut e),
        }
    }
    errors.extend(validate_set(&checks, &known));
    let client_checks = validate_clients(client, &checks, &catalog, &mut errors);
    if !sources.contains(&CheckSource::Builtin) {
        hint_builtin_requirements(&mut errors, sources);
    }
    if !errors.is_empty() {
        word_refused_files(&mut errors, &texts);
        errors.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
        return Err(CheckErrors(errors));
    }
    let mut checks: Vec<Check> = checks.into_iter().map(|(c, _)| c).collect();
    checks.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(CheckSet {
        checks,
        client_checks,
        catalog,
        files,
        digest: hex::encode(hasher.finalize()),
    })
}

/// A file in error that libyaml refuses, where yaml-rust2 read it
/// leniently, is reported by libyaml's syntax error, as it always was: only
/// files the one parse read, that libyaml was not asked about yet and that
/// are in error are asked (a good file is still parsed once; one too deep
/// is never handed to libyaml, which takes minutes over it).
fn word_refused_files(errors: &mut Vec<CheckError>, texts: &[(PathBuf, Arc<SourceText>)]) {
    for (name, source) in texts {
        let in_error = errors.iter().any(|e| &e.file == name);
        if !in_error || !yaml::refused_by_serde_yaml(source.text()) {
            continue;
        }
        errors.retain(|e| &e.file != name);
        parse_refused(name, source, &mut Documents::default(), errors);
    }
}

/// The built-in set, loaded once per process: `builtin_ids` reads its ids
/// from here rather than parsing the files again. `None` only if the
/// shipped set did not load (its tests keep it loading).
pub(crate) fn builtin_set() -> Option<&'static CheckSet> {
    static SET: std::sync::OnceLock<Option<CheckSet>> = std::sync::OnceLock::new();
    SET.get_or_init(|| load_sources(&[CheckSource::Builtin]).ok())
        .as_ref()
}

/// Gives each unknown requirement that names a built-in check (the set was
/// not loaded: `validate checks/acme`) the hint of how to load it beside
/// the folders of `sources`.
fn hint_builtin_requirements(errors: &mut [CheckError], sources: &[CheckSource]) {
    let paths: Vec<String> = sources
        .iter()
        .filter_map(|s| match s {
            CheckSource::Path(path) => Some(path.display().to_string()),
            CheckSource::Builtin => None,
        })
        .collect();
    let builtin = super::builtin::builtin_ids();
    for error in errors.iter_mut() {
        let CheckErrorKind::UnknownRequirement(id) = &error.kind else {
            continue;
        };
        if !builtin.contains(id) {
            continue;
        }
        let checks_args: String = paths.iter().map(|p| format!(" --checks {p}")).collect();
        error.hint = Some(format!(
            "`{id}` is a built-in check, and the built-in set is not loaded: load it beside yours \
             (`wapzi-homolog validate builtin {}`, `wapzi-homolog run --checks builtin{checks_args}`), \
             or give no path: the built-in checks and ./checks load together",
            paths.join(" ")
        ));
    }
}

/// Validates the client checks; an id is unique across both kinds (a
/// report lists them side by side).
fn validate_clients(
    client: Vec<ParsedClient>,
    api: &[(Check, FileContext)],
    catalog: &FixtureCatalog,
    errors: &mut Vec<CheckError>,
) -> Vec<ClientCheck> {
    let mut first: std::collections::HashMap<CheckId, (PathBuf, usize)> = api
        .iter()
        .map(|(c, _)| (c.id.clone(), (c.file.clone(), c.line)))
        .collect();
    let mut checks = Vec::new();
    for ParsedClient { raw, context } in client {
        match validate_client_check(raw, &context, catalog) {
            Ok(check) => {
                if let Some((file, line)) = first.get(&check.id) {
                    errors.push(duplicate_id(&check.id, &context, file, *line));
                    continue;
                }
                first.insert(check.id.clone(), (check.file.clone(), check.line));
                checks.push(check);
            }
            Err(mut e) => errors.append(&mut e),
        }
    }
    checks.sort_by(|a, b| a.id.cmp(&b.id));
    checks
}

/// Far more than any set of checks (20,000 checks take a few megabytes).
const CHECK_FILE_CAP: u64 = 64 * 1024 * 1024;

/// The text of a check file: UTF-8, a leading byte order mark dropped; a
/// byte that is not UTF-8 is an error at its line and column.
fn utf8_text(file: &Path, bytes: Vec<u8>, errors: &mut Vec<CheckError>) -> Option<String> {
    if let Some(at) = memchr::memchr(0, &bytes) {
        // A NUL byte: no YAML text holds one. A binary file, or a link to
        // /proc/self/environ: nothing of it is shown, so no variable of the
        // job's environment reaches the error.
        let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        errors.push(CheckError::new(
            file,
            line,
            1,
            CheckErrorKind::Invalid(
                "a NUL byte: this is not a text file (its content is not shown)".into(),
            ),
        ));
        return None;
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let valid = &bytes[..e.utf8_error().valid_up_to()];
        let line_start = valid
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |at| at + 1);
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        let before = String::from_utf8_lossy(&valid[line_start..])
            .chars()
            .count();
        let byte = bytes[valid.len()];
        errors.push(CheckError::new(
            file,
            line,
            before + 1,
            CheckErrorKind::NotUtf8(byte),
        ));
    });
    text.ok().map(|text| match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

fn find_files(sources: &[CheckSource], errors: &mut Vec<CheckError>) -> Vec<Found> {
    let mut files = Vec::new();
    let mut found = Vec::new();
    for source in sources {
        let path = match source {
            CheckSource::Builtin => {
                found.extend(BUILTIN_CHECKS.iter().map(|(path, text)| Found {
                    name: builtin_name(path),
                    builtin: Some(*text),
                }));
                continue;
            }
            CheckSource::Path(path) => path,
        };
        if path.is_dir() {
            let before = files.len();
            walk(path, &mut Vec::new(), &mut files, errors);
            if files.len() == before {
                errors.push(CheckError::new(
                    path,
                    1,
                    1,
                    CheckErrorKind::NoChecks(path.display().to_string()),
                ));
            }
        } else if path.exists() {
            files.push(path.clone());
        } else {
            errors.push(CheckError::new(
                path,
                1,
                1,
                CheckErrorKind::Io("no such file or directory".into()),
            ));
        }
    }
    found.extend(files.into_iter().map(|name| Found {
        name,
        builtin: None,
    }));
    found.sort_by(|a, b| a.name.cmp(&b.name));
    found.dedup_by(|a, b| a.name == b.name && a.builtin == b.builtin);
    found
}

/// Collects the check files below `dir`. `inside` holds the real paths of
/// the folders being walked: a link back to one of them (`x -> .`) is a
/// loop, said once, not followed forever.
fn walk(
    dir: &Path,
    inside: &mut Vec<PathBuf>,
    files: &mut Vec<PathBuf>,
    errors: &mut Vec<CheckError>,
) {
    let io_error =
        |e: std::io::Error| CheckError::new(dir, 1, 1, CheckErrorKind::Io(e.to_string()));
    let real = match dir.canonicalize() {
        Ok(real) => real,
        Err(e) => return errors.push(io_error(e)),
    };
    if inside.contains(&real) {
        let loop_kind = CheckErrorKind::SymlinkLoop {
            link: dir.display().to_string(),
            target: real.display().to_string(),
        };
        return errors.push(CheckError::new(dir, 1, 1, loop_kind));
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return errors.push(io_error(e)),
    };
    inside.push(real);
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, inside, files, errors);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            files.push(path);
        }
    }
    inside.pop();
}

/// Parses every document of `source` once; each shares the one `source` (a
/// copy per document made a file of many documents quadratic in memory).
/// Whether libyaml may still have to be asked about it, should it be in
/// error: not when serde_yaml or a limit spoke, or libyaml took it already.
fn parse_file(
    file: &Path,
    source: &Arc<SourceText>,
    parsed: &mut Documents,
    errors: &mut Vec<CheckError>,
) -> bool {
    if !has_content(source.text()) {
        errors.push(no_check(file));
        return false;
    }
    // Each document is deserialized as it ends, its events dropped then.
    let mut read = Vec::new();
    let outcome = yaml::read(source.text(), |document| {
        let kind = DocumentKind::of(|key| document.positions.has_top_key(key));
        let raw = yaml::from_document(&document, kind);
        let context = FileContext {
            file: file.to_path_buf(),
            source: Arc::clone(source),
            positions: document.positions,
        };
        read.push((raw, context));
    });
    let asked = match outcome {
        Ok(asked) => asked,
        Err(ReadError::TooDeep(at)) => {
            let kind = CheckErrorKind::TooDeep(MAX_DEPTH);
            let error = CheckError::new(file, at.line, at.column, kind).with_source(source);
            errors.push(error);
            return false;
        }
        Err(ReadError::Refused) => {
            parse_refused(file, source, parsed, errors);
            return false;
        }
    };
    for (read, context) in read {
        match read {
            Ok(raw) => parsed.push(raw, context),
            Err(e) => {
                let at = e.location().map(|at| (at.line, at.column));
                errors.push(yaml_error(file, source, &e.to_string(), at));
            }
        }
    }
    !asked
}

/// A file the parser refused: serde_yaml reads what it can of it and words
/// its syntax error, with no positions for the documents before it.
fn parse_refused(
    file: &Path,
    source: &Arc<SourceText>,
    parsed: &mut Documents,
    errors: &mut Vec<CheckError>,
) {
    let top_level = |key: &str| {
        let key = format!("{key}:");
        source.text().lines().any(|l| l.starts_with(&key))
    };
    let mut found = 0;
    for document in serde_yaml::Deserializer::from_str(source.text()) {
        found += 1;
        let context = FileContext {
            file: file.to_path_buf(),
            source: Arc::clone(source),
            positions: Positions::default(),
        };
        let e = match DocumentKind::of(top_level).deserialize(document) {
            Ok(raw) => {
                parsed.push(raw, context);
                continue;
            }
            Err(e) => e,
        };
        // Past an error the stream is unreliable: serde_yaml's next document
        // may start mid-mapping, where it panics.
        let at = e.location().map(|at| (at.line(), at.column()));
        errors.push(yaml_error(file, source, &e.to_string(), at));
        break;
    }
    if found == 0 {
        errors.push(no_check(file));
    }
}

/// Whether `text` has a line that is not blank, a comment or a document
/// marker.
fn has_content(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim();
        !l.is_empty() && !l.starts_with('#') && l != "---" && l != "..."
    })
}

/// Which kind of check a document is, told by its shape: a client check
/// has `rules:` where an API check has `steps:`.
#[derive(Clone, Copy)]
enum DocumentKind {
    Api,
    Client,
}

/// One document, read as its kind.
enum RawDocument {
    Api(RawCheck),
    Client(RawClientCheck),
}

impl DocumentKind {
    fn of(has_top_key: impl Fn(&str) -> bool) -> Self {
        if has_top_key("rules") && !has_top_key("steps") {
            DocumentKind::Client
        } else {
            DocumentKind::Api
        }
    }
}

impl<'de> DeserializeSeed<'de> for DocumentKind {
    type Value = RawDocument;

    fn deserialize<D: Deserializer<'de>>(self, document: D) -> Result<RawDocument, D::Error> {
        Ok(match self {
            DocumentKind::Api => RawDocument::Api(RawCheck::deserialize(document)?),
            DocumentKind::Client => RawDocument::Client(RawClientCheck::deserialize(document)?),
        })
    }
}

impl Documents {
    fn push(&mut self, raw: RawDocument, context: FileContext) {
        match raw {
            RawDocument::Api(raw) => self.api.push(Parsed { raw, context }),
            RawDocument::Client(raw) => self.client.push(ParsedClient { raw, context }),
        }
    }
}

fn no_check(file: &Path) -> CheckError {
    CheckError::new(file, 1, 1, CheckErrorKind::NoCheck).with_hint(
        "a check file is a YAML mapping with id, title, checklist, hint and steps; see docs/check-format.md",
    )
}

/// Turns a YAML error (its message, and where it is) into a placed error
/// with a "did you mean".
fn yaml_error(
    file: &Path,
    source: &SourceText,
    message: &str,
    at: Option<(usize, usize)>,
) -> CheckError {
    let (line, column) = at.unwrap_or((1, 1));
    let message = placed_message(message);
    let hint = unknown_name_hint(&message);
    let error =
        CheckError::new(file, line, column, CheckErrorKind::Yaml(message)).with_source(source);
    match hint {
        Some(hint) => error.with_hint(hint),
        None => error,
    }
}

/// Drops the position serde_yaml appends (the error already carries it) and
/// words a second one, where the parser says what it was inside of:
/// `... while parsing a flow sequence (opened at line 9 column 5)`.
fn placed_message(message: &str) -> String {
    let mut parts = message.splitn(2, " at line ");
    let head = parts.next().unwrap_or_default().to_string();
    let Some(rest) = parts.next() else {
        return head;
    };
    // `rest` is `N column M[, while parsing ... at line L column C]`.
    match rest.split_once(", ") {
        Some((_, context)) => match context.split_once(" at line ") {
            Some((what, at)) => format!("{head}, {what} (opened at line {at})"),
            None => format!("{head}, {context}"),
        },
        None => head,
    }
}

/// For serde's "unknown field `x`, expected one of `a`, `b`" messages.
fn unknown_name_hint(message: &str) -> Option<String> {
    let rest = message
        .split_once("unknown field `")
        .or_else(|| message.split_once("unknown variant `"))?
        .1;
    let (word, expected) = rest.split_once('`')?;
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    did_you_mean(word, candidates)
}

/// The built-in fixtures plus those declared in `fixtures:` blocks.
fn build_catalog(parsed: &[Parsed], errors: &mut Vec<CheckError>) -> FixtureCatalog {
    let mut catalog = FixtureCatalog::builtin();
    let mut declared: BTreeMap<String, (bool, String)> = BTreeMap::new();
    for Parsed { raw, context } in parsed {
        for (name, fixture) in &raw.fixtures {
            let path = format!("fixtures.{name}");
            let definition = (fixture.secret, fixture.description.clone());
            let builtin = catalog
                .get(name)
                .filter(|f| !declared.contains_key(&f.name));
            let conflicting = match (declared.get(name), builtin) {
                (Some(previous), _) => previous != &definition,
                (None, Some(b)) => b.secret != fixture.secret,
                (None, None) => false,
            };
            if !super::template::is_variable_name(name)
                || name.chars().any(|c| c.is_ascii_uppercase())
            {
                errors.push(
                    context.error_at_key(&path, CheckErrorKind::InvalidFixtureName(name.clone())),
                );
            } else if conflicting {
                errors.push(
                    context.error_at_key(&path, CheckErrorKind::ConflictingFixture(name.clone())),
                );
            } else if builtin.is_none() {
                declared.insert(name.clone(), definition);
                catalog.insert(super::fixture::Fixture {
                    name: name.clone(),
                    description: fixture.description.clone(),
                    secret: fixture.secret,
                });
            }
        }
    }
    catalog
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_dropped_from_messages_and_context_is_kept() {
        assert_eq!(
            placed_message("unknown field `x` at line 3 column 1"),
            "unknown field `x`"
        );
        assert_eq!(
            placed_message("did not find expected ',' or ']' at line 10 column 37, while parsing a flow sequence at line 9 column 5"),
            "did not find expected ',' or ']', while parsing a flow sequence (opened at line 9 column 5)"
        );
    }

    #[test]
    fn every_document_of_a_file_shares_its_one_text() {
        let document = |i: usize| {
            format!("id: gen::c{i}\ntitle: t\nchecklist: valid-key\nhint: h\nsteps:\n  - request: {{method: GET, path: /x}}\n")
        };
        let n = 500;
        let text: Vec<String> = (0..n).map(document).collect();
        let source = SourceText::new(text.join("---\n"));
        let (mut documents, mut errors) = (Documents::default(), Vec::new());
        parse_file(Path::new("many.yaml"), &source, &mut documents, &mut errors);
        let parsed = documents.api;
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(parsed.len(), n);
        // One text for the file, not a copy per document (5,000 documents of
        // a 560 KB file took 2.8 GB): memory is linear in the file.
        assert!(parsed
            .iter()
            .all(|p| Arc::ptr_eq(&p.context.source, &source)));
        assert_eq!(Arc::strong_count(&source), n + 1);
        let last = &parsed[n - 1].context;
        let error = last.error_at_key("steps", CheckErrorKind::Invalid("x".into()));
        assert_eq!(error.line, 7 * (n - 1) + 5);
        assert_eq!(error.source_line.as_deref(), Some("steps:"));
    }

    /// serde_yaml's streaming deserializer reads a plain scalar as its text
    /// where a string is expected; a `serde_yaml::Value` resolves `2024` to
    /// a number and `007` to 7 first, so loading through a Value tree (one
    /// parse feeding both positions and serde) would refuse or alter these.
    #[test]
    fn a_plain_number_where_text_is_expected_keeps_its_text() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("numbers.yaml");
        std::fs::write(
            &file,
            "id: acme::numbers\ntitle: 2024\nchecklist: valid-key\nhint: 1.50\nsteps:\n  - request:\n\
             \x20     method: GET\n      path: /v1/executions/x\n      headers: {X-Count: 007, X-Hex: 0x1F}\n\
             \x20   expect: {status: 401}\n",
        )
        .unwrap();
        let set = load_paths(&[file]).unwrap();
        let check = &set.checks[0];
        assert_eq!(check.title, "2024");
        let super::super::Source::Request(request) = &check.steps[0].source else {
            panic!("a request step: {:?}", check.steps[0].source);
        };
        let text = |name: &str| {
            let (_, value) = request
                .headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .unwrap();
            match value.segments() {
                [super::super::Segment::Text(text)] => text.clone(),
                other => panic!("{name}: {other:?}"),
            }
        };
        assert_eq!(text("X-Count"), "007");
        assert_eq!(text("X-Hex"), "0x1F");
    }

    /// serde_yaml panicked on the document after an alias to no anchor
    /// (it starts mid-mapping): such a file is an error, not a crash.
    #[test]
    fn an_alias_to_no_anchor_is_an_error_not_a_crash() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("alias.yaml");
        let text = "id: acme::alias\ntitle: t\nchecklist: execute-202\nhint: h\n\
                    rules':\n  - select:\n      method: *nowhere\n    expect:\n      body: {}\n";
        std::fs::write(&file, text).unwrap();
        let errors = load_paths(&[file]).unwrap_err();
        assert_eq!(errors.0.len(), 1, "{errors:?}");
        assert!(
            errors.0[0].to_string().contains("unknown field `rules'`"),
            "{errors:?}"
        );
    }

    #[test]
    fn unknown_field_hint_suggests_the_closest_name() {
        let hint = unknown_name_hint(
            "unknown field `stauts`, expected one of `status`, `headers`, `body`",
        );
        assert_eq!(hint.as_deref(), Some("did you mean `status`?"));
        assert_eq!(unknown_name_hint("unknown field `zzz`, expected `a`"), None);
    }

    #[test]
    fn a_client_check_is_told_by_its_rules_and_kept_apart() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("conversation.yaml");
        std::fs::write(
            &file,
            "id: acme::always-conversation\ntitle: t\nchecklist: practice::latest-wins\nhint: h\n\
             exercised_by: a follow-up\nrules:\n  - select: {method: POST, path: /v1/entry-points/*/execute}\n\
             \x20   expect:\n      body:\n        conversationId: {type: string}\n  - sequence: poll-interval\n\
             \x20   with: {min_interval: 1s}\n",
        )
        .unwrap();
        let set = load_paths(&[file]).unwrap();
        assert!(set.checks.is_empty());
        let check = &set.client_checks[0];
        assert_eq!(check.id, "acme::always-conversation");
        assert_eq!(check.item, crate::check::ClientItem::LatestWins);
        assert_eq!(check.rules.len(), 2);
        assert_eq!(check.rules[1].line, 11);
        assert!(matches!(
            &check.rules[1].kind,
            crate::check::RuleKind::Sequence(crate::check::Sequence::PollInterval { .. })
        ));
    }

    #[test]
    fn the_builtin_set_keeps_client_checks_out_of_the_api_checks() {
        let set = load_sources(&[CheckSource::Builtin]).unwrap();
        assert!(set.checks.iter().all(|c| !c.id.starts_with("client::")));
        assert!(set.client_checks.len() >= 12);
        assert!(set
            .client_checks
            .iter()
            .all(|c| c.id.starts_with("client::")));
    }
}
