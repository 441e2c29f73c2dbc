//! The matching of a request line against the route table of `spec.rs`.

use std::collections::HashMap;

pub(crate) use crate::spec::{BodyKind, ResponseKind, Route};

/// A matched request: the route and its decoded path parameters.
pub(crate) struct Matched {
    pub route: &'static Route,
    pub params: HashMap<&'static str, String>,
}

/// What matching a request line found.
pub(crate) enum Lookup {
    Found(Matched),
    /// The path exists, with these other methods (for `Allow`).
    WrongMethod(Vec<&'static str>),
    NotFound,
}

/// Finds the route of `routes` for a method and a full path (below one of `bases`, each a
/// base URL's name and path). Literal segments win over parameters, so `/agent/all` is never
/// read as `/agent/{agent_id}`.
pub(crate) fn lookup(
    bases: &[(&'static str, &'static str)],
    routes: &'static [Route],
    method: &str,
    path: &str,
) -> Lookup {
    let mut best: Option<(usize, Matched)> = None;
    let mut allowed: Vec<&'static str> = Vec::new();
    for (base, prefix) in bases {
        let Some(rest) = path.strip_prefix(prefix) else { continue };
        let rest = rest.trim_end_matches('/');
        let got_len = rest.split('/').count();
        for route in routes.iter().filter(|r| r.base == *base) {
            if route.path.split('/').count() != got_len {
                continue;
            }
            let mut params = HashMap::new();
            let mut literal = 0;
            let fits = route.path.split('/').zip(rest.split('/')).all(|(w, g)| {
                match w.strip_prefix('{').and_then(|w| w.strip_suffix('}')) {
                    Some(name) => {
                        params.insert(name, percent_decode(g));
                        !g.is_empty()
                    }
                    None => {
                        literal += 1;
                        w == g
                    }
                }
            });
            if !fits {
                continue;
            }
            if !allowed.contains(&route.method) {
                allowed.push(route.method);
            }
            if route.method == method && best.as_ref().is_none_or(|(l, _)| literal > *l) {
                best = Some((literal, Matched { route, params }));
            }
        }
    }
    match best {
        Some((_, m)) => Lookup::Found(m),
        None if !allowed.is_empty() => Lookup::WrongMethod(allowed),
        None => Lookup::NotFound,
    }
}

/// Decodes the `%XX` escapes of a URL component; bad escapes stay as they are.
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Query pairs in order, decoded.
pub(crate) fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(&k.replace('+', " ")), percent_decode(&v.replace('+', " ")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_escapes_and_keeps_bad_ones() {
        assert_eq!(percent_decode("a%2Fb%20c"), "a/b c");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(
            query_pairs("a=1&b=x+y&c"),
            vec![("a".into(), "1".into()), ("b".into(), "x y".into()), ("c".into(), String::new())]
        );
    }
}
