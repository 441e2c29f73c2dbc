//! What an endpoint command works with: the settings, and a [`Call`] that the generated code
//! fills from the arguments (checking each value against the spec's types) and hands back to
//! be sent and shown. A response is printed as received, key scrubbed; the client's types
//! only check it (a warning on stderr) and choose table columns.

use std::io::{IsTerminal as _, Write as _};

use clap::ArgMatches;
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::args::{self, BodyField, Input};
use crate::failure::{Failure, stdout_failure, write_stdout};
use crate::http::{Part, Payload, Req};
use crate::json::{self, Node};
use crate::output::{self, Format, Layout, Table};
use crate::schema::{self, Ty, Types};
use crate::settings::{Api, Settings};

/// The static facts of one endpoint.
#[derive(Debug)]
pub(crate) struct Route {
    /// The command, for messages: `ringg calling history`.
    pub label: &'static str,
    /// HTTP method.
    pub method: &'static str,
    /// Path template: `/agent/{agent_id}`.
    pub path: &'static str,
    /// Base URL name.
    pub base: &'static str,
    /// May be sent again after it may have reached the server.
    pub safe: bool,
    /// Returns a file.
    pub binary: bool,
    /// Where `--all` finds the items of a page, for a paginated endpoint.
    pub paging: Option<Paging>,
}

/// Where `--all` finds a page's items and its total.
#[derive(Debug)]
pub(crate) struct Paging {
    /// Wire names from the response to the items.
    pub items: &'static [&'static str],
    /// Wire names from the response to the total count, if the response has one.
    pub total: &'static [&'static str],
}

/// An endpoint command's context.
pub(crate) struct Cli {
    /// The settings.
    pub settings: Settings,
    /// The API's facts.
    pub api: &'static Api,
    /// Every endpoint's route by operation id (`calling.history`), to name the operation of
    /// a recorded exchange.
    pub routes: &'static [(&'static str, &'static Route)],
}

/// One request being built from the arguments.
#[derive(Debug)]
pub(crate) struct Call {
    route: &'static Route,
    path: String,
    query: Vec<(String, String)>,
    payload: Payload,
}

impl Call {
    /// A call of `route` with nothing filled in.
    pub(crate) fn new(route: &'static Route) -> Call {
        Call { route, path: route.path.to_string(), query: Vec::new(), payload: Payload::Empty }
    }

    /// A required path parameter, checked against type `T`.
    pub(crate) fn path<T: DeserializeOwned>(&mut self, m: &ArgMatches, input: &Input) -> Result<(), Failure> {
        let text =
            m.get_one::<String>(input.id).ok_or_else(|| Failure::usage(format!("{} is required", input.shown)))?;
        let text = args::wire_text(input.kind, input.shown, text)?;
        args::decode_text::<T>(input.shown, &text, input.expected)?;
        if text.is_empty() || text == "." || text == ".." {
            return Err(Failure::usage(format!("{} must not be empty, `.` or `..`", input.shown)));
        }
        self.path = self.path.replace(&format!("{{{}}}", input.wire), &ringg::runtime::encode_segment(&text));
        Ok(())
    }

    /// A query parameter (required when positional), checked against type `T`.
    pub(crate) fn query<T: DeserializeOwned>(&mut self, m: &ArgMatches, input: &Input) -> Result<(), Failure> {
        let Some(text) = m.get_one::<String>(input.id) else { return Ok(()) };
        let text = args::wire_text(input.kind, input.shown, text)?;
        args::decode_text::<T>(input.shown, &text, input.expected)?;
        self.query.push((input.wire.to_string(), text));
        Ok(())
    }

    /// A list query parameter, each item checked against type `T`.
    pub(crate) fn query_list<T: DeserializeOwned>(&mut self, m: &ArgMatches, input: &Input) -> Result<(), Failure> {
        for item in args::list_values(m, input.id, input.shown)? {
            let text = args::wire_text(input.kind, input.shown, &args::item_text(&item))?;
            args::decode_text::<T>(input.shown, &text, input.expected)?;
            self.query.push((input.wire.to_string(), text));
        }
        Ok(())
    }

    /// A JSON body from `--body` and the field flags: checked against the spec (every
    /// problem at once, by path, naming flags) and then against the client's type `T`, unless
    /// `--no-validate`; sent as written.
    pub(crate) fn json_body<T: DeserializeOwned>(
        &mut self,
        m: &ArgMatches,
        fields: &[BodyField],
        ty: &Ty,
        types: Types,
        type_name: &str,
    ) -> Result<(), Failure> {
        let body = Value::Object(args::body_json(m, fields)?);
        self.finish_json::<T>(m, body, fields, ty, types, type_name)
    }

    fn finish_json<T: DeserializeOwned>(
        &mut self,
        m: &ArgMatches,
        body: Value,
        fields: &[BodyField],
        ty: &Ty,
        types: Types,
        type_name: &str,
    ) -> Result<(), Failure> {
        let bytes = serde_json::to_vec(&body).map_err(|e| Failure::local(e.to_string()))?;
        if !no_validate(m) {
            check_body(&body, ty, types, fields, &[], type_name)?;
            if let Err(e) = ringg::runtime::decode_slice::<T>(&bytes) {
                // Only the path: the decoder's message could quote the body.
                let at = e.decode_path().map(|p| format!(" at `{p}`")).unwrap_or_default();
                return Err(Failure::usage(format!(
                    "the body does not fit {type_name}{at} (--no-validate sends it as written)"
                )));
            }
        }
        self.payload = Payload::Json(bytes);
        Ok(())
    }

    /// A JSON body whose type has a tagged union flattened into it: from an operation's
    /// subcommand (its flags, with the tag set), or from the command's own flags and `--body`.
    /// `operations` is the tag and each subcommand's name, tag value and flags.
    #[allow(clippy::type_complexity, reason = "a generated table")]
    pub(crate) fn json_body_tagged<T: DeserializeOwned>(
        &mut self,
        m: &ArgMatches,
        fields: &[BodyField],
        operations: (&str, &[(&str, &str, &[BodyField])]),
        ty: &Ty,
        types: Types,
        type_name: &str,
    ) -> Result<(), Failure> {
        let Some((name, sub)) = m.subcommand() else { return self.json_body::<T>(m, fields, ty, types, type_name) };
        let (tag, ops) = operations;
        let (_, value, fields) = ops
            .iter()
            .find(|(n, _, _)| *n == name)
            .ok_or_else(|| Failure::usage(format!("unknown operation `{name}`")))?;
        let mut body = args::body_json(sub, fields)?;
        body.insert(tag.to_string(), Value::String(value.to_string()));
        self.finish_json::<T>(sub, Value::Object(body), fields, ty, types, type_name)
    }

    /// A multipart body: its fields from `--body` and the flags (checked against the spec),
    /// its files from the file flags (`files`: argument id, wire name).
    pub(crate) fn form_body(
        &mut self,
        m: &ArgMatches,
        fields: &[BodyField],
        files: &[(&'static str, &'static str)],
        ty: &Ty,
        types: Types,
        type_name: &str,
    ) -> Result<(), Failure> {
        let body = args::body_json(m, fields)?;
        let mut parts = Vec::new();
        let mut given = Vec::new();
        for (id, wire) in files {
            for path in m.get_many::<String>(id).into_iter().flatten() {
                if !std::path::Path::new(path).is_file() {
                    return Err(Failure::usage(format!("--{id}: `{path}` is not a readable file")));
                }
                let mime = ringg::Upload::from_path(path).content_type().to_string();
                parts.push((wire.to_string(), Part::File { path: path.clone(), mime }));
                given.push(*wire);
            }
        }
        let value = Value::Object(body);
        if !no_validate(m) {
            check_body(&value, ty, types, fields, &given, type_name)?;
        }
        let Value::Object(body) = value else { return Err(Failure::local("the body is not an object")) };
        // Text fields first, in the body's order, then the files.
        let mut form: Vec<(String, Part)> = body
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| {
                let text = match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                (k, Part::Text(text))
            })
            .collect();
        form.extend(parts);
        let parts = form;
        self.payload = Payload::Form(parts);
        Ok(())
    }

    /// Adds a query parameter.
    pub(crate) fn add_query(&mut self, name: String, value: String) {
        self.query.push((name, value));
    }

    /// Sets the body.
    pub(crate) fn set_payload(&mut self, payload: Payload) {
        self.payload = payload;
    }

    /// Sets a query parameter, replacing an earlier value.
    pub(crate) fn set_query(&mut self, name: &str, value: String) {
        self.query.retain(|(k, _)| k != name);
        self.query.push((name.to_string(), value));
    }

    fn query_value(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

fn no_validate(m: &ArgMatches) -> bool {
    m.try_get_one::<bool>("no-validate").ok().flatten().copied().unwrap_or(false)
}

/// The spec check of a body: every problem, one per line, naming flags for top-level fields.
fn check_body(
    body: &Value,
    ty: &Ty,
    types: Types,
    fields: &[BodyField],
    given: &[&str],
    type_name: &str,
) -> Result<(), Failure> {
    let problems = schema::check(body, ty, types, given);
    if problems.is_empty() {
        return Ok(());
    }
    let name = |path: &str| match fields.iter().find(|f| f.wire == path) {
        Some(f) => format!("{} (or `{path}` in --body)", f.flag),
        None => format!("`{path}`"),
    };
    let mut lines = Vec::new();
    for p in problems.iter().filter(|p| !p.missing) {
        let at = if p.path.is_empty() { "the body".to_string() } else { name(&p.path) };
        lines.push(format!("  {at}: {}", p.message));
    }
    let missing: Vec<String> = problems.iter().filter(|p| p.missing).map(|p| name(&p.path)).collect();
    if !missing.is_empty() {
        lines.push(format!("  missing required: {}", missing.join(", ")));
    }
    Err(Failure::usage(format!(
        "the body does not fit {type_name} (nothing was sent; --no-validate sends it as written):\n{}",
        lines.join("\n")
    )))
}

impl Cli {
    /// The request for `call`.
    pub(crate) fn request(&self, call: &Call) -> Result<Req, Failure> {
        let base = self.settings.base(call.route.base)?;
        let mut url = Url::parse(&format!("{base}{}", call.path))
            .map_err(|e| Failure::usage(format!("cannot build the URL of {}: {e}", call.route.label)))?;
        if !call.query.is_empty() {
            url.query_pairs_mut().extend_pairs(call.query.iter());
        }
        let method = Method::from_bytes(call.route.method.as_bytes()).map_err(|e| Failure::local(e.to_string()))?;
        Ok(Req {
            label: call.route.label.to_string(),
            method,
            url,
            payload: call.payload.clone(),
            safe: call.route.safe,
            accept: if call.route.binary { "*/*" } else { "application/json" },
            operation: self.routes.iter().find(|(_, r)| std::ptr::eq(*r, call.route)).map(|(id, _)| *id),
        })
    }

    /// Sends `call` and prints the response as received. `T` is the response type: a body
    /// that does not fit it gets a warning on stderr, and is printed all the same.
    pub(crate) async fn show<T: ringg::runtime::read::FromJson>(
        &self,
        call: Call,
        table: &Table,
    ) -> Result<(), Failure> {
        let req = self.request(&call)?;
        let (_, bytes) = self.settings.conn.fetch(&req).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        let mut node = json::parse(&bytes).map_err(|e| {
            Failure::decode(format!("{} answered with a body that is not JSON ({e})", call.route.label))
        })?;
        self.check_type::<T>(&bytes, call.route.label);
        let scrubbed = node.scrub(self.settings.conn.key());
        let style = &self.settings.style;
        if style.format == Format::Json && !style.pretty && !scrubbed {
            // Exactly the bytes received.
            let mut out = bytes.trim_ascii().to_vec();
            out.push(b'\n');
            return write_stdout(&out);
        }
        write_stdout(output::render(&node, style, table).as_bytes())
    }

    /// A warning when `bytes` does not read as `T`; the path only, never the body.
    pub(crate) fn check_type<T: ringg::runtime::read::FromJson>(&self, bytes: &[u8], label: &str) {
        if let Err(e) = ringg::runtime::read_slice::<T>(bytes) {
            let at = e.decode_path().map(|p| format!(" at `{p}`")).unwrap_or_default();
            eprintln!("warning: the response of {label} does not fit the spec{at}; shown as received");
        }
    }

    /// Sends `call` for an endpoint without a response body; prints a body if one came.
    #[allow(dead_code, reason = "called by the endpoints of specs with empty responses")]
    pub(crate) async fn empty(&self, call: Call) -> Result<(), Failure> {
        let req = self.request(&call)?;
        let (_, bytes) = self.settings.conn.fetch(&req).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        match json::parse(&bytes) {
            Ok(mut node) => {
                node.scrub(self.settings.conn.key());
                write_stdout(output::render(&node, &self.settings.style, &Table { rows: &[], columns: &[] }).as_bytes())
            }
            Err(_) => Ok(()),
        }
    }

    /// `--all`: every item of every page in the chosen format (NDJSON, YAML documents, or
    /// table rows laid out by the first page), one page in memory at a time; a progress
    /// spinner on stderr when it is a terminal. `T` is the page type, checked per page.
    pub(crate) async fn stream<T: ringg::runtime::read::FromJson>(
        &self,
        call: Call,
        table: &Table,
    ) -> Result<(), Failure> {
        let (items, total) = call.route.paging.as_ref().map_or((&[][..], &[][..]), |p| (p.items, p.total));
        let label = call.route.label;
        self.pages(call, items, total, table, &|bytes| self.check_type::<T>(bytes, label)).await
    }

    /// [`Cli::stream`] for a route the spec may not know: the items are at `items`, else
    /// the page itself when it is a list, else its first list member.
    pub(crate) async fn stream_raw(&self, call: Call, items: &[&str], table: &Table) -> Result<(), Failure> {
        self.pages(call, items, &[], table, &|_| {}).await
    }

    async fn pages(
        &self,
        mut call: Call,
        items_at: &[&str],
        total_at: &[&str],
        table: &Table,
        check: &dyn Fn(&[u8]),
    ) -> Result<(), Failure> {
        let (limit_name, offset_name) = self.api.page_params;
        let (default, max) = self.api.page_sizes;
        let limit: u32 =
            call.query_value(limit_name).and_then(|l| l.parse().ok()).unwrap_or(default).clamp(1, max.max(1));
        let mut offset: u64 = call.query_value(offset_name).and_then(|o| o.parse().ok()).unwrap_or(0);
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {pos} items") {
                bar.set_style(style);
            }
            bar
        });
        let style = self.settings.style;
        let mut layout: Option<Layout> = None;
        let mut seen: u64 = 0;
        loop {
            call.set_query(limit_name, limit.to_string());
            call.set_query(offset_name, offset.to_string());
            let req = self.request(&call)?;
            let (_, bytes) = self.settings.conn.fetch(&req).await?;
            let mut page = json::parse(&bytes).map_err(|e| {
                Failure::decode(format!("{} answered with a page that is not JSON ({e})", call.route.label))
            })?;
            check(&bytes);
            page.scrub(self.settings.conn.key());
            let total = match page.at(total_at) {
                Some(Node::Num(n)) if !total_at.is_empty() => n.parse::<u64>().ok(),
                _ => None,
            };
            let items: &[Node] = match (items_at.is_empty(), &page) {
                (false, _) => match page.at(items_at) {
                    Some(Node::Arr(items)) => items,
                    _ => &[],
                },
                (true, Node::Arr(items)) => items,
                (true, Node::Obj(members)) => members
                    .iter()
                    .find_map(|(_, v)| match v {
                        Node::Arr(items) => Some(items.as_slice()),
                        _ => None,
                    })
                    .unwrap_or(&[]),
                (true, _) => &[],
            };
            let mut out = String::new();
            for item in items {
                match style.format {
                    Format::Json => {
                        out.push_str(&item.compact());
                        out.push('\n');
                    }
                    Format::Yaml => {
                        out.push_str("---\n");
                        out.push_str(&output::yaml(item));
                    }
                    Format::Table => {
                        let l = layout.get_or_insert_with(|| {
                            // Rows the spec does not describe (`ringg api`) show their scalars.
                            let derived = if table.columns.is_empty() { Layout::columns_of(item) } else { Vec::new() };
                            let columns: &[&str] = if table.columns.is_empty() { &derived } else { table.columns };
                            let l = Layout::fit(columns, items, &style);
                            out.push_str(&l.header());
                            l
                        });
                        out.push_str(&l.row(item));
                    }
                }
            }
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(out.as_bytes()).and_then(|()| stdout.flush()).map_err(stdout_failure)?;
            drop(stdout);
            let n = items.len() as u64;
            seen = seen.saturating_add(n);
            if let Some(bar) = &bar {
                bar.inc(n);
            }
            offset = offset.saturating_add(n);
            if n == 0 || n < u64::from(limit) || total.is_some_and(|t| seen >= t) {
                break;
            }
        }
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        Ok(())
    }

    /// A binary download: to `--output-file FILE`, or to stdout when it is not a terminal.
    pub(crate) async fn download(&self, m: &ArgMatches, call: Call) -> Result<(), Failure> {
        let target = m.get_one::<String>("output-file").cloned();
        self.save(&call, target.as_deref()).await
    }

    /// Sends `call` and writes the file it returns to `target`, or to stdout.
    pub(crate) async fn save(&self, call: &Call, target: Option<&str>) -> Result<(), Failure> {
        if target.is_none() && std::io::stdout().is_terminal() {
            return Err(Failure::usage("this command returns a file: pass --output-file FILE, or redirect stdout"));
        }
        let req = self.request(call)?;
        let mut answer = self.settings.conn.send(&req).await?;
        self.settings.conn.record(&req, answer.inner.status().as_u16(), answer.inner.headers(), None)?;
        let mut sink: Box<dyn std::io::Write> = match target {
            Some(path) => Box::new(std::io::BufWriter::new(
                std::fs::File::create(path).map_err(|e| Failure::local(format!("cannot write `{path}`: {e}")))?,
            )),
            None => Box::new(std::io::stdout().lock()),
        };
        let mut n: u64 = 0;
        loop {
            let chunk = answer.inner.chunk().await.map_err(|e| Failure::network(format!("{}: {e}", req.label)))?;
            let Some(chunk) = chunk else { break };
            n = n.saturating_add(chunk.len() as u64);
            match target {
                Some(path) => {
                    sink.write_all(&chunk).map_err(|e| Failure::local(format!("cannot write `{path}`: {e}")))?
                }
                None => sink.write_all(&chunk).map_err(stdout_failure)?,
            }
        }
        sink.flush().map_err(|e| Failure::local(format!("cannot write the file: {e}")))?;
        if let Some(path) = target {
            eprintln!("saved {n} bytes to {path}");
        }
        Ok(())
    }

    /// Asks before a destructive command: on a terminal, a `y`; otherwise `--yes` is required.
    pub(crate) fn confirm(&self, what: &str) -> Result<(), Failure> {
        confirm(self.settings.yes, what)
    }
}

/// See [`Cli::confirm`].
pub(crate) fn confirm(yes: bool, what: &str) -> Result<(), Failure> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return Err(Failure::usage(format!("{what}: this cannot be undone; pass --yes to confirm")));
    }
    eprint!("{what}: this cannot be undone. Continue? [y/N] ");
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer).map_err(|e| Failure::local(e.to_string()))?;
    if matches!(answer.trim(), "y" | "Y" | "yes") {
        Ok(())
    } else {
        Err(Failure::usage("not confirmed; nothing was sent"))
    }
}

/// The output format a command asked for.
pub(crate) fn format_of(m: &ArgMatches) -> Format {
    match m.try_get_one::<String>("output").ok().flatten().map(String::as_str) {
        Some("yaml") => Format::Yaml,
        Some("table") => Format::Table,
        _ => Format::Json,
    }
}
