//! Text from the target made visible on one line: control characters and
//! invisible format characters (a byte order mark, zero-width spaces,
//! bidirectional overrides) are shown escaped, so a body that looks like
//! valid JSON but is not says why, and a server cannot move the cursor,
//! fake a `test ... ok` line or reorder what the reader sees.

/// Whether `c` is invisible or changes how text around it is displayed.
pub fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00ad}'                       // soft hyphen
            | '\u{061c}'                     // Arabic letter mark
            | '\u{180e}'                     // Mongolian vowel separator
            | '\u{200b}'..='\u{200f}'        // zero-width, LRM, RLM
            | '\u{2028}'..='\u{202e}'        // separators, bidi embeddings and overrides
            | '\u{2060}'..='\u{2064}'        // word joiner, invisible operators
            | '\u{2066}'..='\u{2069}'        // bidi isolates
            | '\u{feff}'                     // byte order mark
            | '\u{fff9}'..='\u{fffb}') // interlinear annotation
}

/// `text` on one line with every invisible character escaped: `\n`, `\r`,
/// `\t` as such, the others as `\u{feff}`.
pub fn visible(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_invisible(c) => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    out
}

/// `text` with every invisible character escaped but its line breaks and
/// tabs, for output that keeps its lines (the bodies `-vv` shows).
pub fn visible_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\t' => out.push(c),
            c if is_invisible(c) => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    out
}

/// The first `limit` characters of `text`, made [`visible`], marked when
/// cut with the full size: `{"a":…… (2048 bytes)`.
pub fn excerpt(text: &str, limit: usize) -> String {
    match cut_at(text, limit) {
        None => visible(text),
        Some(cut) => format!("{}… ({} bytes)", visible(&text[..cut]), text.len()),
    }
}

/// The first `limit` characters of `text` with its lines kept
/// ([`visible_lines`]), marked when cut with what was left out, on a line
/// of its own: `{"a":\n… (2040 more bytes)`. For reports that show a body
/// as a block.
pub fn excerpt_lines(text: &str, limit: usize) -> String {
    match cut_at(text, limit) {
        None => visible_lines(text),
        Some(cut) => format!(
            "{}\n… ({} more bytes)",
            visible_lines(&text[..cut]),
            text.len() - cut
        ),
    }
}

/// The byte offset of the character `limit` of `text`, if it has more.
fn cut_at(text: &str, limit: usize) -> Option<usize> {
    text.char_indices().nth(limit).map(|(cut, _)| cut)
}

/// The most characters of a configured value (an entry point, a fixture,
/// a base URL) or of one URL path segment that a line or report shows: a
/// 120 KB value set by mistake would otherwise fill every line it is in.
pub const MAX_SHOWN_VALUE: usize = 200;

/// A configured value as every line and report shows it: [`excerpt`] to
/// [`MAX_SHOWN_VALUE`] characters, `eee…… (120000 bytes)`.
pub fn shown_value(value: &str) -> String {
    excerpt(value, MAX_SHOWN_VALUE)
}

/// A URL as lines and reports show it: every path segment (or query)
/// longer than [`MAX_SHOWN_VALUE`] characters cut as [`shown_value`] cuts,
/// the rest as is, so `/v1/entry-points/…/execute` still reads.
pub fn shown_url(url: &str) -> String {
    if url.len() <= MAX_SHOWN_VALUE {
        return url.to_string();
    }
    url.split('/')
        .map(|segment| match cut_at(segment, MAX_SHOWN_VALUE) {
            None => segment.to_string(),
            Some(_) => shown_value(segment),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// `1 execution`, `5 executions`: a count with its noun, singular for one.
pub fn counted(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_characters_are_shown_escaped() {
        assert_eq!(visible("\u{feff}{\"a\":1}"), "\\u{feff}{\"a\":1}");
        assert_eq!(visible("a\u{202e}b\u{200b}c"), "a\\u{202e}b\\u{200b}c");
        assert_eq!(
            visible("ok\u{1b}[2J\ntest x ... ok\r"),
            "ok\\u{1b}[2J\\ntest x ... ok\\r"
        );
        assert_eq!(visible("héllo wörld"), "héllo wörld");
        assert_eq!(visible_lines("a\n\tb\u{202e}\r"), "a\n\tb\\u{202e}\\u{d}");
    }

    #[test]
    fn a_long_configured_value_is_shown_cut_with_its_size() {
        let long = "e".repeat(120_000);
        let shown = shown_value(&long);
        assert_eq!(shown, format!("{}… (120000 bytes)", "e".repeat(200)));
        assert_eq!(shown_value("entry_point_123"), "entry_point_123");
        let url = format!("http://h:1/v1/entry-points/{long}/execute");
        assert_eq!(
            shown_url(&url),
            format!("http://h:1/v1/entry-points/{shown}/execute")
        );
        let short = "http://h:1/v1/entry-points/entry_point_123/execute";
        assert_eq!(shown_url(short), short);
    }

    #[test]
    fn excerpts_cut_on_a_character_and_say_the_size() {
        assert_eq!(excerpt("héllo", 10), "héllo");
        assert_eq!(excerpt("héllo", 2), "hé… (6 bytes)");
        assert_eq!(excerpt("\u{feff}ab", 1), "\\u{feff}… (5 bytes)");
        assert_eq!(excerpt_lines("héllo", 10), "héllo");
        assert_eq!(excerpt_lines("héllo", 2), "hé\n… (3 more bytes)");
        assert_eq!(excerpt_lines("a\nb\u{feff}c", 3), "a\nb\n… (4 more bytes)");
    }
}
