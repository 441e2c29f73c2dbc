//! Every naming rule in one place: spec names and wire names to Rust identifiers.
//!
//! Keywords become raw identifiers (`r#type`) where Rust allows it and get a trailing underscore
//! where it does not (`self_`); a leading digit gets a prefix. Collisions are not resolved here:
//! the validator reports them, because two spec names that mean different things must not be
//! merged silently.

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::{Ident, Span};

/// Rust keywords, strict and reserved, in every edition the generated crate may use.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate", "do", "dyn", "else",
    "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro", "match", "mod",
    "move", "mut", "override", "priv", "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait",
    "true", "try", "type", "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers.
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super", "_"];

/// True for a Rust keyword.
pub fn is_keyword(s: &str) -> bool {
    KEYWORDS.contains(&s)
}

fn guard(name: String, digit_prefix: &str) -> String {
    if name.is_empty() {
        return name;
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        return format!("{digit_prefix}{name}");
    }
    if NOT_RAW.contains(&name.as_str()) {
        return format!("{name}_");
    }
    if is_keyword(&name) {
        return format!("r#{name}");
    }
    name
}

/// Rust name of a field, parameter, method or module (`agentId` to `agent_id`).
pub fn snake(wire: &str) -> String {
    guard(wire.to_snake_case(), "_")
}

/// Rust name of a type or variant (`en-US` to `EnUs`, `call_started` to `CallStarted`).
pub fn camel(wire: &str) -> String {
    guard(wire.to_upper_camel_case(), "V")
}

/// True when `s` is already a valid Rust identifier (raw or plain) that is not a keyword.
pub fn is_valid(s: &str) -> bool {
    let body = s.strip_prefix("r#").unwrap_or(s);
    let mut chars = body.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first == '_' || first.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
        && body != "_"
        && !(s.starts_with("r#") && NOT_RAW.contains(&body))
        && (s.starts_with("r#") || !is_keyword(body))
}

/// A `proc_macro2::Ident` for a name produced by this module.
pub fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

/// The name without a raw-identifier prefix, for messages and docs.
pub fn plain(name: &str) -> &str {
    name.strip_prefix("r#").unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(snake("agentId"), "agent_id");
        assert_eq!(snake("type"), "r#type");
        assert_eq!(snake("self"), "self_");
        assert_eq!(snake("2fa"), "_2fa");
        assert_eq!(snake("agent_id[]"), "agent_id");
        assert_eq!(camel("en-US"), "EnUs");
        assert_eq!(camel("IN_DB"), "InDb");
        assert_eq!(camel("self"), "Self_");
        assert_eq!(camel("3xx"), "V3xx");
        assert!(is_valid("r#type"));
        assert!(!is_valid("type"));
        assert!(!is_valid("r#self"));
        assert!(is_valid("agent_ids"));
    }
}
