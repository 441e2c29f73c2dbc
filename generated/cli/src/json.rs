//! JSON as received: a small parser that keeps every member, in order, numbers exactly as
//! written and nulls, so what is printed is what the server sent; the key is scrubbed from
//! strings. The client's types are never used to rewrite a response.

use std::fmt::Write as _;

/// Deepest nesting accepted; deeper documents are refused rather than risking the stack.
const MAX_DEPTH: usize = 256;

/// A JSON value as written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as written (`5`, `5.0`, `1e3`).
    Num(String),
    /// A string, unescaped.
    Str(String),
    /// An array.
    Arr(Vec<Node>),
    /// An object's members in order (a repeated key is kept).
    Obj(Vec<(String, Node)>),
}

impl Node {
    /// The member `key` of an object.
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Obj(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Follows object keys from this value.
    pub(crate) fn at(&self, path: &[&str]) -> Option<&Node> {
        path.iter().try_fold(self, |v, k| v.get(k))
    }

    /// The text of a string.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Node::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Replaces `secret` wherever it appears in a string (keys included); says whether
    /// anything changed.
    pub(crate) fn scrub(&mut self, secret: &str) -> bool {
        if secret.is_empty() {
            return false;
        }
        match self {
            Node::Str(s) if s.contains(secret) => {
                *s = s.replace(secret, "[redacted]");
                true
            }
            Node::Arr(items) => items.iter_mut().fold(false, |changed, v| v.scrub(secret) | changed),
            Node::Obj(members) => members.iter_mut().fold(false, |changed, (k, v)| {
                let key_changed = k.contains(secret);
                if key_changed {
                    *k = k.replace(secret, "[redacted]");
                }
                v.scrub(secret) | key_changed | changed
            }),
            _ => false,
        }
    }

    /// Compact JSON text.
    pub(crate) fn compact(&self) -> String {
        let mut out = String::new();
        self.write_compact(&mut out);
        out
    }

    fn write_compact(&self, out: &mut String) {
        match self {
            Node::Null => out.push_str("null"),
            Node::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Node::Num(n) => out.push_str(n),
            Node::Str(s) => quote_into(s, out),
            Node::Arr(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write_compact(out);
                }
                out.push(']');
            }
            Node::Obj(members) => {
                out.push('{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    quote_into(k, out);
                    out.push(':');
                    v.write_compact(out);
                }
                out.push('}');
            }
        }
    }
}

/// A string as a JSON string literal.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    quote_into(s, &mut out);
    out
}

fn quote_into(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Parses one JSON document (surrounding white space allowed). The error names the byte
/// offset and what was expected, never the text.
pub(crate) fn parse(bytes: &[u8]) -> Result<Node, String> {
    let mut p = Parser { b: bytes, i: 0 };
    p.ws();
    let v = p.value(0)?;
    p.ws();
    if p.i != p.b.len() {
        return Err(format!("unexpected text after the value at byte {}", p.i));
    }
    Ok(v)
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.b.get(self.i).is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn err<T>(&self, what: &str) -> Result<T, String> {
        Err(format!("expected {what} at byte {}", self.i))
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn literal(&mut self, word: &[u8], node: Node) -> Result<Node, String> {
        if self.b[self.i..].starts_with(word) {
            self.i += word.len();
            Ok(node)
        } else {
            self.err("a JSON value")
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node, String> {
        if depth > MAX_DEPTH {
            return Err(format!("nested deeper than {MAX_DEPTH} levels"));
        }
        match self.b.get(self.i) {
            Some(b'n') => self.literal(b"null", Node::Null),
            Some(b't') => self.literal(b"true", Node::Bool(true)),
            Some(b'f') => self.literal(b"false", Node::Bool(false)),
            Some(b'"') => self.string().map(Node::Str),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.eat(b']') {
                    return Ok(Node::Arr(items));
                }
                loop {
                    self.ws();
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    if self.eat(b']') {
                        return Ok(Node::Arr(items));
                    }
                    if !self.eat(b',') {
                        return self.err("`,` or `]`");
                    }
                }
            }
            Some(b'{') => {
                self.i += 1;
                let mut members = Vec::new();
                self.ws();
                if self.eat(b'}') {
                    return Ok(Node::Obj(members));
                }
                loop {
                    self.ws();
                    if self.b.get(self.i) != Some(&b'"') {
                        return self.err("a member name");
                    }
                    let key = self.string()?;
                    self.ws();
                    if !self.eat(b':') {
                        return self.err("`:`");
                    }
                    self.ws();
                    let value = self.value(depth + 1)?;
                    members.push((key, value));
                    self.ws();
                    if self.eat(b'}') {
                        return Ok(Node::Obj(members));
                    }
                    if !self.eat(b',') {
                        return self.err("`,` or `}`");
                    }
                }
            }
            _ => self.err("a JSON value"),
        }
    }

    fn number(&mut self) -> Result<Node, String> {
        let start = self.i;
        self.eat(b'-');
        let digits = |p: &mut Parser<'_>| {
            let s = p.i;
            while p.b.get(p.i).is_some_and(u8::is_ascii_digit) {
                p.i += 1;
            }
            p.i > s
        };
        if !digits(self) {
            return self.err("a digit");
        }
        if self.eat(b'.') && !digits(self) {
            return self.err("a digit");
        }
        if self.b.get(self.i).is_some_and(|c| matches!(c, b'e' | b'E')) {
            self.i += 1;
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            if !digits(self) {
                return self.err("a digit");
            }
        }
        // Only ASCII digits and signs were consumed.
        Ok(Node::Num(String::from_utf8_lossy(&self.b[start..self.i]).into_owned()))
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let Some(h) = self.b.get(self.i..self.i + 4) else { return self.err("four hex digits") };
        let text = std::str::from_utf8(h).map_err(|_| format!("expected four hex digits at byte {}", self.i))?;
        let n = u32::from_str_radix(text, 16).map_err(|_| format!("expected four hex digits at byte {}", self.i))?;
        self.i += 4;
        Ok(n)
    }

    fn string(&mut self) -> Result<String, String> {
        self.i += 1; // the opening quote
        let mut out = Vec::new();
        loop {
            let Some(&c) = self.b.get(self.i) else { return self.err("the end of a string") };
            self.i += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    let Some(&e) = self.b.get(self.i) else { return self.err("an escape") };
                    self.i += 1;
                    let ch = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi) && self.b[self.i..].starts_with(b"\\u") {
                                self.i += 2;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return self.err("a low surrogate");
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            char::from_u32(code).unwrap_or('\u{fffd}')
                        }
                        _ => return self.err("a valid escape"),
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                c if c < 0x20 => return self.err("no control character in a string"),
                c => out.push(c),
            }
        }
        String::from_utf8(out).map_err(|_| format!("a string that is not UTF-8 before byte {}", self.i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_nulls_order_and_unknown_members_are_kept() {
        let text = br#" {"b": 5, "a": 5.0, "n": null, "s": "x\u00e9\"", "big": 12345678901234567890123, "e": -1.5E+3, "l": [true, {}]} "#;
        let node = parse(text).unwrap();
        assert_eq!(
            node.compact(),
            r#"{"b":5,"a":5.0,"n":null,"s":"xé\"","big":12345678901234567890123,"e":-1.5E+3,"l":[true,{}]}"#
        );
        assert_eq!(node.at(&["l"]), Some(&Node::Arr(vec![Node::Bool(true), Node::Obj(vec![])])));
    }

    #[test]
    fn bad_documents_are_refused_without_echoing_them() {
        for bad in [&b"{\"k\": sk_live_secret}"[..], b"[1,]", b"\"open", b"01x", b"{} {}", b""] {
            let e = parse(bad).unwrap_err();
            assert!(!e.contains("sk_live"), "{e}");
        }
        let deep = "[".repeat(10_000);
        assert!(parse(deep.as_bytes()).unwrap_err().contains("deeper"));
    }

    #[test]
    fn the_secret_is_scrubbed_from_keys_and_values() {
        let mut node = parse(br#"{"api_key":"k-1","k-1":[ "u?key=k-1" ],"n":1}"#).unwrap();
        assert!(node.scrub("k-1"));
        assert_eq!(node.compact(), r#"{"api_key":"[redacted]","[redacted]":["u?key=[redacted]"],"n":1}"#);
        assert!(!node.scrub("k-1"));
    }
}
