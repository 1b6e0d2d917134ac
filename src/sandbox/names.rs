//! Telling a mistyped `--fault` or `--scenario` name what was meant.

/// ` (did you mean `name`?)`, or nothing.
pub(crate) fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion
        .map(|name| format!(" (did you mean `{name}`?)"))
        .unwrap_or_default()
}

/// The name of `names` nearest to `input` if it is a near miss: a few
/// edits away, or containing it (a fragment of 4 characters or more, such
/// as `huge` or `rotated`, names its fault or scenario too).
pub(crate) fn nearest(input: &str, names: &[&'static str]) -> Option<&'static str> {
    let input = input.to_ascii_lowercase();
    if input.is_empty() {
        return None;
    }
    let (best, distance) = names
        .iter()
        .map(|name| (*name, strsim::levenshtein(&input, name)))
        .min_by_key(|(_, distance)| *distance)?;
    if distance <= 2.max(best.len() / 3) {
        return Some(best);
    }
    names
        .iter()
        .find(|name| input.len() >= 4 && name.contains(input.as_str()))
        .copied()
}
