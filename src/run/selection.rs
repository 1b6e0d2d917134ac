//! Which checks a run selects (`run FILTER`, `--exact`, `--skip`, as
//! `cargo test` reads them), and the patterns that select nothing: a
//! filter or `--skip` that matches no check id is a typo, refused before
//! anything is sent (exit 2), with the id it most likely meant.

use crate::check::closest;

/// Which checks a run selects, as cargo test does: those whose id contains
/// any of `filters` (all when there is none; with `exact`, equals one),
/// less those matching any of `skip`.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub filters: Vec<String>,
    pub skip: Vec<String>,
    pub exact: bool,
}

/// Where a pattern of the selection was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatternKind {
    /// A name filter, `run FILTER`.
    Filter,
    /// `--skip FILTER`.
    Skip,
}

/// A pattern of the selection that matches no check id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmatched {
    pub kind: PatternKind,
    pub pattern: String,
    pub suggestion: Suggestion,
}

/// What an unmatched pattern most likely meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Suggestion {
    /// The closest check id (or area, `key::`, for a substring filter).
    Closest(String),
    /// With `--exact` a pattern must be a whole id; without it, it would
    /// match this many checks.
    WithoutExact(usize),
    /// The pattern names a client check, which `client` grades, not `run`.
    ClientCheck(String),
    /// Nothing close.
    None,
}

impl std::fmt::Display for Unmatched {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pattern = &self.pattern;
        match self.kind {
            PatternKind::Filter => write!(f, "the filter `{pattern}` matches no check id")?,
            PatternKind::Skip => write!(f, "--skip `{pattern}` matches no check id")?,
        }
        match &self.suggestion {
            Suggestion::Closest(id) => write!(f, ": did you mean `{id}`?"),
            Suggestion::WithoutExact(1) => {
                write!(
                    f,
                    " (--exact takes whole ids; without it, it matches 1 check)"
                )
            }
            Suggestion::WithoutExact(n) => {
                write!(
                    f,
                    " (--exact takes whole ids; without it, it matches {n} checks)"
                )
            }
            Suggestion::ClientCheck(id) => write!(
                f,
                ": `{id}` is a client check, graded by `wapzi-homolog client`, not run by `run`"
            ),
            Suggestion::None => Ok(()),
        }
    }
}

impl Selection {
    /// Whether this selection names the check `id` itself.
    pub fn selects(&self, id: &str) -> bool {
        self.is_named(id) && self.skipped_by(id).is_empty()
    }

    /// Whether the name filters take the check `id` (all do when there is
    /// none), `--skip` aside.
    pub fn is_named(&self, id: &str) -> bool {
        self.filters.is_empty() || self.filters.iter().any(|f| self.matches(f, id))
    }

    /// The `--skip` patterns that leave out the check `id`.
    pub fn skipped_by(&self, id: &str) -> Vec<&str> {
        self.skip
            .iter()
            .filter(|s| self.matches(s, id))
            .map(String::as_str)
            .collect()
    }

    /// The filters and `--skip` patterns that match none of `ids` (the
    /// run's checks), each with what it most likely meant; `client_ids`
    /// are the client checks, which a run does not run.
    pub fn unmatched(&self, ids: &[&str], client_ids: &[&str]) -> Vec<Unmatched> {
        let filters = self.filters.iter().map(|p| (PatternKind::Filter, p));
        let skips = self.skip.iter().map(|p| (PatternKind::Skip, p));
        filters
            .chain(skips)
            .filter(|(_, pattern)| !ids.iter().any(|id| self.matches(pattern, id)))
            .map(|(kind, pattern)| Unmatched {
                kind,
                pattern: pattern.clone(),
                suggestion: self.suggestion(pattern, ids, client_ids),
            })
            .collect()
    }

    fn suggestion(&self, pattern: &str, ids: &[&str], client_ids: &[&str]) -> Suggestion {
        if client_ids.iter().any(|id| self.matches(pattern, id)) {
            let id = client_ids.iter().find(|id| self.matches(pattern, id));
            return Suggestion::ClientCheck(id.map_or(pattern, |id| id).to_string());
        }
        if self.exact {
            let n = ids.iter().filter(|id| id.contains(pattern)).count();
            if n > 0 {
                return Suggestion::WithoutExact(n);
            }
            return match closest(pattern, ids.iter().copied()) {
                Some(id) => Suggestion::Closest(id.to_string()),
                None => Suggestion::None,
            };
        }
        // A substring filter may mean an area as well as an id.
        let areas: Vec<String> = ids
            .iter()
            .filter_map(|id| id.split_once("::").map(|(area, _)| format!("{area}::")))
            .collect();
        let candidates = ids.iter().copied().chain(areas.iter().map(String::as_str));
        match closest(pattern, candidates) {
            Some(id) => Suggestion::Closest(id.to_string()),
            None => Suggestion::None,
        }
    }

    fn matches(&self, pattern: &str, id: &str) -> bool {
        if self.exact {
            id == pattern
        } else {
            id.contains(pattern)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An unmatched pattern as a table row: where it was given, it, and its suggestion.
    type Expected = (PatternKind, &'static str, Suggestion);

    const IDS: [&str; 3] = ["key::invalid", "key::missing", "execution::completes"];

    fn selection(filters: &[&str], skip: &[&str], exact: bool) -> Selection {
        Selection {
            filters: filters.iter().map(|s| s.to_string()).collect(),
            skip: skip.iter().map(|s| s.to_string()).collect(),
            exact,
        }
    }

    #[test]
    fn each_pattern_that_matches_no_id_is_named_with_what_it_likely_meant() {
        let cases: [(Selection, Vec<Expected>); 6] = [
            (
                selection(&["key::", "execution::"], &["key::missing"], false),
                vec![],
            ),
            (
                selection(&["key::invalidd", "key::"], &[], false),
                vec![(
                    PatternKind::Filter,
                    "key::invalidd",
                    Suggestion::Closest("key::invalid".into()),
                )],
            ),
            (
                selection(&["keys::"], &[], false),
                vec![(
                    PatternKind::Filter,
                    "keys::",
                    Suggestion::Closest("key::".into()),
                )],
            ),
            (
                selection(&[], &["key::misssing"], false),
                vec![(
                    PatternKind::Skip,
                    "key::misssing",
                    Suggestion::Closest("key::missing".into()),
                )],
            ),
            (
                selection(&["key::"], &[], true),
                vec![(PatternKind::Filter, "key::", Suggestion::WithoutExact(2))],
            ),
            (
                selection(&["client::from-backend", "zzz"], &[], false),
                vec![
                    (
                        PatternKind::Filter,
                        "client::from-backend",
                        Suggestion::ClientCheck("client::from-backend".into()),
                    ),
                    (PatternKind::Filter, "zzz", Suggestion::None),
                ],
            ),
        ];
        for (selection, expected) in cases {
            let found = selection.unmatched(&IDS, &["client::from-backend"]);
            let found: Vec<_> = found
                .into_iter()
                .map(|u| (u.kind, u.pattern, u.suggestion))
                .collect();
            let expected: Vec<_> = expected
                .into_iter()
                .map(|(k, p, s)| (k, p.to_string(), s))
                .collect();
            assert_eq!(found, expected, "{selection:?}");
        }
    }
}
