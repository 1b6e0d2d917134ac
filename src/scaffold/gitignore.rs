//! The lines `init` makes sure `.gitignore` holds: an existing file is
//! never replaced, only completed with what it lacks.

/// What must stay out of git: the dotenv file holding the key, and the
/// reports of local runs.
pub const GITIGNORE: &str =
    "# wapzi-homolog: the key's dotenv file and local reports\n.env\nreports/\n";

/// The entries of `wanted` (lines that are not comments) that `existing`
/// does not ignore already, in order. An entry counts as present written
/// with or without a leading `/` or a trailing `/`.
pub fn missing_lines<'a>(existing: &str, wanted: &'a str) -> Vec<&'a str> {
    let normal = |line: &str| {
        line.trim()
            .trim_start_matches('/')
            .trim_end_matches('/')
            .to_string()
    };
    let present: Vec<String> = existing.lines().map(normal).collect();
    wanted
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter(|l| !present.contains(&normal(l)))
        .collect()
}

/// `existing` with the `missing` lines appended under a comment, on a line
/// of their own even when `existing` does not end with a newline.
pub fn completed(existing: &str, missing: &[&str]) -> String {
    let mut text = existing.to_string();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str("# wapzi-homolog: the key's dotenv file and local reports\n");
    for line in missing {
        text.push_str(line);
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_entries_not_yet_ignored_are_missing() {
        assert_eq!(missing_lines("", GITIGNORE), [".env", "reports/"]);
        assert_eq!(missing_lines("/target\n/.env\n", GITIGNORE), ["reports/"]);
        assert_eq!(
            missing_lines("reports\n.env\n", GITIGNORE),
            Vec::<&str>::new()
        );
        assert_eq!(
            missing_lines(".env.example\n", GITIGNORE),
            [".env", "reports/"]
        );
    }

    #[test]
    fn appended_lines_start_on_a_line_of_their_own() {
        assert_eq!(
            completed("/target", &["reports/"]),
            "/target\n# wapzi-homolog: the key's dotenv file and local reports\nreports/\n"
        );
    }
}
