//! Spec doc text to rustdoc: safe Markdown, and `#[doc]` attributes.
//!
//! Spec docs are prose written for people. rustdoc reads them as Markdown with intra-doc links,
//! HTML and doctests, so text like `list<string>`, `[bot]` or a bare URL would become a broken
//! link, an HTML tag or a warning. Outside code spans and fences this escapes brackets and angle
//! brackets and turns bare URLs into autolinks; untagged code fences become `text` so rustdoc
//! does not compile JSON.

use proc_macro2::TokenStream;
use quote::quote;

/// Makes spec Markdown safe for rustdoc.
pub(crate) fn sanitize(doc: &str) -> String {
    let mut out = Vec::new();
    let mut in_fence = false;
    for line in doc.trim().lines() {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix("```") {
            if in_fence {
                in_fence = false;
                out.push(line.to_string());
            } else {
                in_fence = true;
                let lang = rest.trim();
                let indent = &line[..line.len() - trimmed.len()];
                let lang = if lang.is_empty() || lang == "rust" { "text" } else { lang };
                out.push(format!("{indent}```{lang}"));
            }
            continue;
        }
        if in_fence {
            out.push(line.to_string());
        } else {
            out.push(escape_line(line));
        }
    }
    if in_fence {
        out.push("```".into());
    }
    out.join("\n")
}

fn escape_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    // Split on backticks: odd pieces are code spans and stay as they are.
    for (i, piece) in line.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        if i % 2 == 1 {
            out.push_str(piece);
        } else {
            escape_prose(piece, &mut out);
        }
    }
    out
}

/// Length of a Markdown link `[text](target)` at the start of `s`, if there is one.
fn link_len(s: &str) -> Option<usize> {
    let close = s.find("](")?;
    let target = &s[close + 2..];
    let end = target.find(')')?;
    let ok = !s[1..close].contains(['[', ']']) && !target[..end].contains(char::is_whitespace);
    ok.then_some(close + 2 + end + 1)
}

/// Length of a bare URL at the start of `s`, without trailing sentence punctuation.
fn url_len(s: &str) -> Option<usize> {
    if !(s.starts_with("https://") || s.starts_with("http://")) {
        return None;
    }
    let mut len = s.find(|c: char| c.is_whitespace() || matches!(c, ')' | '>' | '"' | '\'')).unwrap_or(s.len());
    while s[..len].ends_with(['.', ',', ';', ':']) {
        len -= 1;
    }
    Some(len)
}

/// Escapes `[`, `]`, `<` and `>` in prose, keeps Markdown links, and autolinks bare URLs.
fn escape_prose(text: &str, out: &mut String) {
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '['
            && let Some(len) = link_len(rest)
        {
            out.push_str(&rest[..len]);
            rest = &rest[len..];
        } else if let Some(len) = url_len(rest) {
            out.push('<');
            out.push_str(&rest[..len]);
            out.push('>');
            rest = &rest[len..];
        } else {
            if matches!(c, '[' | ']' | '<' | '>') {
                out.push('\\');
            }
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
}

/// Width that doc lines are wrapped to, not counting the `/// ` and indentation.
const WIDTH: usize = 92;

/// Reflows prose a paragraph at a time, so sentences never break where the spec's source lines
/// happened to end: the lines of a paragraph (or of one list item) are joined and wrapped at
/// [`WIDTH`], list items continuing under their text. Code fences, indented code, tables,
/// headings, quotes and hard line breaks (two trailing spaces or a backslash) are kept as they are.
pub(crate) fn wrap(text: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    // The paragraph being gathered: its first-line prefix, the prefix of the lines after, words.
    let mut para: Option<(String, String, String)> = None;
    let mut in_fence = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if trimmed.starts_with("```") || in_fence {
            flush(&mut para, &mut out);
            if trimmed.starts_with("```") {
                in_fence = !in_fence;
            }
            out.push(line.to_string());
            continue;
        }
        let verbatim = trimmed.is_empty() || trimmed.starts_with(['|', '#', '>']) || (indent >= 4 && para.is_none());
        if verbatim {
            flush(&mut para, &mut out);
            out.push(if trimmed.is_empty() { String::new() } else { line.to_string() });
            continue;
        }
        let marker = list_marker(trimmed);
        match &mut para {
            Some((_, _, words)) if marker == 0 => {
                words.push(' ');
                words.push_str(trimmed.trim_end());
            }
            _ => {
                flush(&mut para, &mut out);
                let first = line[..indent + marker].to_string();
                let rest = " ".repeat(indent + marker);
                para = Some((first, rest, trimmed[marker..].trim_end().to_string()));
            }
        }
        if line.ends_with("  ") || line.ends_with('\\') {
            // A hard break: keep the marker of the break and end the line here.
            if let Some((_, _, words)) = &mut para
                && line.ends_with("  ")
            {
                words.push_str("  ");
            }
            flush(&mut para, &mut out);
        }
    }
    flush(&mut para, &mut out);
    out.join("\n")
}

/// The length of a list marker (`- `, `* `, `1. `) at the start of `trimmed`, or 0.
fn list_marker(trimmed: &str) -> usize {
    ["- ", "* "].iter().find(|m| trimmed.starts_with(**m)).map(|m| m.len()).unwrap_or_else(|| {
        let digits = trimmed.chars().take_while(char::is_ascii_digit).count();
        if digits > 0 && trimmed[digits..].starts_with(". ") { digits + 2 } else { 0 }
    })
}

/// Writes the gathered paragraph, wrapped at [`WIDTH`], and clears it.
fn flush(para: &mut Option<(String, String, String)>, out: &mut Vec<String>) {
    let Some((first, rest, words)) = para.take() else { return };
    let hard_break = words.ends_with("  ");
    let mut current = first;
    let mut empty = true;
    for word in words.split(' ').filter(|w| !w.is_empty()) {
        if !empty && current.chars().count() + 1 + word.chars().count() > WIDTH {
            out.push(std::mem::replace(&mut current, rest.clone()));
            empty = true;
        }
        if !empty {
            current.push(' ');
        }
        current.push_str(word);
        empty = false;
    }
    if hard_break {
        current.push_str("  ");
    }
    out.push(current);
}

/// The lines of already-rustdoc-safe text as doc attribute values (wrapped, one leading space).
fn doc_lines(text: &str) -> Vec<String> {
    wrap(text).lines().map(|l| if l.is_empty() { String::new() } else { format!(" {l}") }).collect()
}

/// `#[doc = "..."]` attributes for each line of already-rustdoc-safe text.
pub(crate) fn attrs(text: &str) -> TokenStream {
    let lines = doc_lines(text);
    quote! { #( #[doc = #lines] )* }
}

/// `#![doc = "..."]` inner attributes for each line of already-rustdoc-safe text.
pub(crate) fn inner_attrs(text: &str) -> TokenStream {
    let lines = doc_lines(text);
    quote! { #( #![doc = #lines] )* }
}

/// Doc attributes for spec text.
pub(crate) fn doc(text: &str) -> TokenStream {
    attrs(&sanitize(text))
}

/// The first sentence of spec text, for tables and summaries.
pub(crate) fn summary(text: &str) -> String {
    // The first paragraph, whatever its source lines, as one line.
    let first: Vec<&str> = text.trim().lines().map(str::trim).take_while(|l| !l.is_empty()).collect();
    let first = first.join(" ");
    let first = first.as_str();
    match first.find(". ") {
        Some(i) => first[..=i].to_string(),
        None => first.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_rustdoc_would_misread() {
        assert_eq!(sanitize("a list<string> of [bot] turns"), "a list\\<string\\> of \\[bot\\] turns");
        assert_eq!(sanitize("see https://docs.ringg.ai/x."), "see <https://docs.ringg.ai/x>.");
        assert_eq!(sanitize("keep `list<T>` and [`Client`]"), "keep `list<T>` and \\[`Client`\\]");
        assert_eq!(sanitize("```\n{\"a\": 1}\n```"), "```text\n{\"a\": 1}\n```");
        assert_eq!(
            sanitize("read [the guide](https://example.com/g) first"),
            "read [the guide](https://example.com/g) first"
        );
    }

    #[test]
    fn reflows_paragraphs_and_list_items_not_source_lines() {
        let text = "A sentence that ends\nearly on its line.\n\n- an item\n  continued\n- another\n\n    indented code\n    stays";
        assert_eq!(
            wrap(text),
            "A sentence that ends early on its line.\n\n- an item continued\n- another\n\n    indented code\n    stays"
        );
        assert_eq!(summary("First part of a\nsentence. Second.\n\nMore."), "First part of a sentence.");
    }

    #[test]
    fn wraps_prose_and_list_items_only() {
        let long = "word ".repeat(30);
        let wrapped = wrap(&format!("- {long}\n| {long} |"));
        let lines: Vec<&str> = wrapped.lines().collect();
        assert!(lines[0].starts_with("- word") && lines[0].len() <= WIDTH);
        assert!(lines[1].starts_with("  word"));
        assert!(lines.last().unwrap().starts_with("| word"));
    }
}
