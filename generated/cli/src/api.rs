//! `ringg api METHOD PATH`: a raw request to any path of the API, for what the spec does not
//! describe yet, with the same key, base URLs, retries, logging and redaction as every
//! command: fields as `-f key=value` (text) or `-F key=value` (typed JSON), a body from
//! `--input FILE`, and `--paginate` over limit/offset pages.

use clap::{Arg, ArgAction, ArgMatches, Command};
use serde_json::{Map, Value};

use crate::ctx::{Call, Cli, Paging, Route};
use crate::failure::{Failure, write_stdout};
use crate::http::Payload;
use crate::json;
use crate::output::{self, Table};

/// `ringg api`.
pub(crate) fn command() -> Command {
    Command::new("api")
        .about("Send a raw request to any path of the API (with the key, retries and redaction)")
        .long_about(
            "Send a raw request to a path of the API, relative to the base URL: `ringg api GET /workspace`. \
             Fields go into the query for GET and DELETE and into a JSON body otherwise. The answer is printed \
             as received. POST and PATCH are not re-sent once they may have reached the server.\n\n\
             Examples:\n  ringg api GET /calling/history -f status=completed --paginate\n  \
             ringg api POST /calling/v2/initiate-from-pool --input body.json\n  \
             ringg api GET /transcribe/status -f id=JOB --base stt",
        )
        .arg(Arg::new("method").required(true).value_name("METHOD").help("GET, POST, PUT, PATCH or DELETE"))
        .arg(
            Arg::new("path")
                .required(true)
                .value_name("PATH")
                .help("The path below the base URL, such as /workspace; may hold ?query"),
        )
        .arg(
            Arg::new("raw-field")
                .short('f')
                .long("raw-field")
                .value_name("KEY=VALUE")
                .action(ArgAction::Append)
                .help("A text field (repeatable)"),
        )
        .arg(
            Arg::new("field").short('F').long("field").value_name("KEY=VALUE").action(ArgAction::Append).help(
                "A typed field: true, false, null, numbers and JSON as such, @FILE for a file's text (repeatable)",
            ),
        )
        .arg(
            Arg::new("input")
                .long("input")
                .value_name("FILE")
                .help("The request body from a file, or - for stdin (sent as JSON)"),
        )
        .arg(
            Arg::new("base")
                .long("base")
                .value_name("NAME")
                .default_value("default")
                .help("Which of the API's base URLs (default, or another name such as stt)"),
        )
        .arg(
            Arg::new("paginate")
                .long("paginate")
                .action(ArgAction::SetTrue)
                .help("Follow limit/offset pages and print every item (as --all does)"),
        )
        .arg(crate::args::format_arg())
}

/// The fields of `-f` and `-F`.
fn fields(m: &ArgMatches) -> Result<Map<String, Value>, Failure> {
    let mut out = Map::new();
    for (id, typed) in [("raw-field", false), ("field", true)] {
        for pair in m.get_many::<String>(id).into_iter().flatten() {
            let (k, v) = pair
                .split_once('=')
                .filter(|(k, _)| !k.is_empty())
                .ok_or_else(|| Failure::usage(format!("--{id} `{pair}`: expected KEY=VALUE")))?;
            let value = if !typed {
                Value::String(v.to_string())
            } else if let Some(path) = v.strip_prefix('@') {
                Value::String(
                    std::fs::read_to_string(path)
                        .map_err(|e| Failure::usage(format!("--field {k}: cannot read `{path}`: {e}")))?,
                )
            } else {
                serde_json::from_str(v).unwrap_or_else(|_| Value::String(v.to_string()))
            };
            out.insert(k.to_string(), value);
        }
    }
    Ok(out)
}

/// Whether a path matches a spec template (`/agent/{agent_id}`).
fn matches_template(template: &str, path: &str) -> bool {
    let (t, p): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len() && t.iter().zip(&p).all(|(t, p)| (t.starts_with('{') && !p.is_empty()) || t == p)
}

/// Runs `ringg api`.
pub(crate) async fn run(cli: &Cli, m: &ArgMatches) -> Result<(), Failure> {
    let method = m.get_one::<String>("method").map(|s| s.to_ascii_uppercase()).unwrap_or_default();
    if !["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"].contains(&method.as_str()) {
        return Err(Failure::usage(format!("METHOD `{method}`: expected GET, POST, PUT, PATCH or DELETE")));
    }
    let full = m.get_one::<String>("path").cloned().unwrap_or_default();
    if full.contains("://") {
        return Err(Failure::usage("PATH is relative to the base URL (/workspace); pass other hosts with --base-url"));
    }
    let (path, query_text) = full.split_once('?').map_or((full.as_str(), ""), |(p, q)| (p, q));
    let path = if path.starts_with('/') { path.to_string() } else { format!("/{path}") };
    let base = m.get_one::<String>("base").cloned().unwrap_or_else(|| "default".into());
    let known = crate::spec::ROUTES
        .iter()
        .map(|(_, r)| *r)
        .find(|r| r.method == method && r.base == base && matches_template(r.path, &path));
    let safe = known.map_or(!matches!(method.as_str(), "POST" | "PATCH"), |r| r.safe);
    let paging = known.and_then(|r| r.paging.as_ref()).map(|p| Paging { items: p.items, total: p.total });
    // One route per run, described by the user.
    let route: &'static Route = Box::leak(Box::new(Route {
        label: Box::leak(format!("ringg api {method} {path}").into_boxed_str()),
        method: Box::leak(method.clone().into_boxed_str()),
        path: Box::leak(path.clone().into_boxed_str()),
        base: Box::leak(base.into_boxed_str()),
        safe,
        binary: false,
        paging,
    }));
    let mut call = Call::new(route);
    for (k, v) in url_pairs(query_text) {
        call.add_query(k, v);
    }
    let fields = fields(m)?;
    let in_query = matches!(method.as_str(), "GET" | "DELETE" | "HEAD");
    let input = m.get_one::<String>("input");
    if in_query || input.is_some() {
        for (k, v) in &fields {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            call.add_query(k.clone(), text);
        }
    }
    if let Some(source) = input {
        let bytes = if source == "-" {
            let mut buf = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)
                .map_err(|e| Failure::usage(format!("--input -: {e}")))?;
            buf
        } else {
            std::fs::read(source).map_err(|e| Failure::usage(format!("--input: cannot read `{source}`: {e}")))?
        };
        call.set_payload(Payload::Json(bytes));
    } else if !in_query && !fields.is_empty() {
        call.set_payload(Payload::Json(Value::Object(fields).to_string().into_bytes()));
    }
    let table = Table { rows: &[], columns: &[] };
    if m.get_flag("paginate") {
        let items = route.paging.as_ref().map(|p| p.items).unwrap_or(&[]);
        return cli.stream_raw(call, items, &table).await;
    }
    let req = cli.request(&call)?;
    let (_, bytes) = cli.settings.conn.fetch(&req).await?;
    match json::parse(&bytes) {
        Ok(mut node) => {
            node.scrub(cli.settings.conn.key());
            write_stdout(output::render(&node, &cli.settings.style, &table).as_bytes())
        }
        Err(_) if bytes.iter().all(u8::is_ascii_whitespace) => Ok(()),
        Err(_) => {
            write_stdout(crate::http::scrub_text(&String::from_utf8_lossy(&bytes), cli.settings.conn.key()).as_bytes())
        }
    }
}

/// `a=1&b=x%20y` as pairs.
fn url_pairs(query: &str) -> Vec<(String, String)> {
    if query.is_empty() {
        return Vec::new();
    }
    reqwest::Url::parse(&format!("http://x/?{query}"))
        .map(|u| u.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_templates_segment_by_segment() {
        assert!(matches_template("/agent/{agent_id}", "/agent/a-1"));
        assert!(!matches_template("/agent/{agent_id}", "/agent/"));
        assert!(!matches_template("/agent/{agent_id}", "/agent/a/b"));
        assert!(matches_template("/workspace", "/workspace"));
        assert_eq!(url_pairs("a=1&b=x%20y"), [("a".to_string(), "1".to_string()), ("b".into(), "x y".into())]);
    }
}
