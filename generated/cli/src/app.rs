//! The command tree around the generated endpoint commands, the client settings, and the
//! helpers the generated code calls: reading arguments into the spec's types, building
//! bodies, printing, streaming pages and saving downloads.

use std::io::{IsTerminal, Read, Write};
use std::time::Duration;

use clap::{Arg, ArgAction, ArgMatches, Command};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::output::{self, Format, Table};
use crate::spec;

/// Bad usage or input, including a body that does not fit its type.
pub(crate) const EXIT_USAGE: u8 = 2;
/// The API answered with an error status.
pub(crate) const EXIT_API: u8 = 3;
/// The network failed or a request timed out.
pub(crate) const EXIT_NETWORK: u8 = 4;
/// A response did not decode into the spec's type.
pub(crate) const EXIT_DECODE: u8 = 5;
/// A local failure, such as a file that could not be written.
pub(crate) const EXIT_LOCAL: u8 = 1;

/// Why a command failed, and the exit code that says so.
#[derive(Debug)]
pub(crate) struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    /// Bad usage or input.
    pub(crate) fn usage(message: impl Into<String>) -> Failure {
        Failure { code: EXIT_USAGE, message: message.into() }
    }

    /// A local failure.
    pub(crate) fn local(message: impl Into<String>) -> Failure {
        Failure { code: EXIT_LOCAL, message: message.into() }
    }
}

impl From<ringg::Error> for Failure {
    /// The message is the error's `Display`, which never holds the key.
    fn from(e: ringg::Error) -> Failure {
        let code = if e.is_timeout() || e.is_connection() {
            EXIT_NETWORK
        } else if e.is_decode() {
            EXIT_DECODE
        } else if e.status().is_some() {
            EXIT_API
        } else if e.is_io() {
            EXIT_LOCAL
        } else {
            EXIT_USAGE
        };
        Failure { code, message: e.to_string() }
    }
}

/// The key the emulator accepts when started by `ringg emulator` without one, and the key
/// used for a loopback base URL when none is configured.
pub(crate) const EMULATOR_KEY: &str = "ringg-emulator-key";

/// Where `--help` lists the options every command has.
const GLOBAL: &str = "Global options";
/// Where `--help` lists the body's fields.
const BODY: &str = "Body fields";

/// The whole command tree.
pub(crate) fn command() -> Command {
    let mut root = Command::new("ringg")
        .version(spec::VERSION)
        .about(spec::ABOUT)
        .after_help(EXIT_CODES)
        .subcommand_required(true)
        .arg_required_else_help(true)
        .arg(
            Arg::new("api-key")
                .long("api-key")
                .help_heading(GLOBAL)
                .global(true)
                .value_name("KEY")
                .help(format!("API key (default: the {} environment variable); never printed", spec::KEY_ENV)),
        )
        .arg(
            Arg::new("base-url")
                .long("base-url")
                .help_heading(GLOBAL)
                .global(true)
                .value_name("URL")
                .help("Base URL of the API, such as the emulator's http://127.0.0.1:8080; a URL without a path gets the API's path"),
        )
        .arg(
            Arg::new("timeout")
                .long("timeout")
                .help_heading(GLOBAL)
                .global(true)
                .value_name("SECONDS")
                .value_parser(clap::value_parser!(f64))
                .help("Timeout of each request, in seconds (default 30)"),
        )
        .arg(
            Arg::new("retries")
                .long("retries")
                .help_heading(GLOBAL)
                .global(true)
                .value_name("N")
                .value_parser(clap::value_parser!(u32))
                .help("How often a failed request may be re-sent (default 3; calls are never placed twice)"),
        )
        .arg(
            Arg::new("verbose")
                .long("verbose")
                .help_heading(GLOBAL)
                .short('v')
                .global(true)
                .action(ArgAction::SetTrue)
                .help("Log each request and response line to stderr (the key is redacted)"),
        );
    for (name, _, flag) in spec::BASE_URLS.iter().filter(|(n, _, _)| *n != "default") {
        root = root.arg(
            Arg::new(*flag)
                .long(*flag)
                .help_heading(GLOBAL)
                .global(true)
                .value_name("URL")
                .help(format!("Base URL of the `{name}` endpoints (default: derived from --base-url)")),
        );
    }
    root.subcommands(spec::resources())
        .subcommand(crate::webhooks::command())
        .subcommand(crate::tools::emulator_command())
        .subcommand(crate::tools::webcall_command())
        .subcommand(crate::tools::completions_command())
}

const EXIT_CODES: &str = "Exit codes: 0 success, 1 local failure (a file could not be written), \
2 bad usage or input, 3 API error, 4 network failure or timeout, 5 a response did not decode.";

/// Runs the chosen command.
pub(crate) async fn run(m: &ArgMatches) -> Result<(), Failure> {
    if m.get_flag("verbose") {
        init_tracing();
    }
    let Some((group, sub)) = m.subcommand() else { return Err(Failure::usage("no command given; see `ringg --help`")) };
    match group {
        "webhooks" => crate::webhooks::run(sub).await,
        "emulator" => crate::tools::emulator(sub).await,
        "webcall" => crate::tools::webcall(sub),
        "completions" => crate::tools::completions(sub),
        resource => {
            let Some((endpoint, args)) = sub.subcommand() else {
                return Err(Failure::usage(format!(
                    "`ringg {resource}` needs an endpoint; see `ringg {resource} --help`"
                )));
            };
            let cli = Cli::new(m, args)?;
            spec::run(&cli, resource, endpoint, args).await
        }
    }
}

/// `--verbose`: the client's request and response lines, from the `ringg` target only, so no
/// transport crate can log a header.
fn init_tracing() {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter =
        tracing_subscriber::filter::Targets::new().with_target("ringg", tracing_subscriber::filter::LevelFilter::DEBUG);
    let _ = tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_ansi(std::io::stderr().is_terminal()))
        .with(filter)
        .try_init();
}

/// What an endpoint command works with: the client and the output settings.
pub(crate) struct Cli {
    client: ringg::Client,
    /// The configured key, scrubbed from everything printed (Ringg shows a workspace's key in
    /// some responses).
    key: String,
    format: Format,
    color: bool,
}

impl Cli {
    fn new(root: &ArgMatches, args: &ArgMatches) -> Result<Cli, Failure> {
        let base = root.get_one::<String>("base-url").map(|u| with_default_path(u, spec::default_base()));
        let key = match root.get_one::<String>("api-key") {
            Some(k) => k.clone(),
            None => match std::env::var(spec::KEY_ENV) {
                Ok(k) if !k.is_empty() => k,
                _ if base.as_deref().is_some_and(is_loopback) => EMULATOR_KEY.to_string(),
                _ => {
                    return Err(Failure::usage(format!(
                        "no API key: set {} or pass --api-key (for the emulator, pass --base-url http://127.0.0.1:PORT)",
                        spec::KEY_ENV
                    )));
                }
            },
        };
        let mut builder = ringg::Client::builder().api_key(key.clone());
        for (name, default, flag) in spec::BASE_URLS {
            let explicit = if flag.is_empty() { None } else { root.get_one::<String>(flag).cloned() };
            let url = match (*name, explicit, base.as_deref()) {
                ("default", _, Some(b)) => Some(b.to_string()),
                (_, Some(u), _) => Some(u),
                (_, None, Some(b)) => derive_base(b, spec::default_base(), default),
                _ => None,
            };
            if let Some(url) = url {
                builder = builder.base_url_for(name, url);
            }
        }
        if let Some(&secs) = root.get_one::<f64>("timeout") {
            if !(secs > 0.0 && secs.is_finite()) {
                return Err(Failure::usage("--timeout: expected a positive number of seconds"));
            }
            builder = builder.timeout(Duration::from_secs_f64(secs));
        }
        if let Some(&n) = root.get_one::<u32>("retries") {
            builder = builder.retry_policy(ringg::RetryPolicy::default().max_retries(n));
        }
        let client = builder.build().map_err(|e| Failure::usage(e.to_string()))?;
        let format = match args.try_get_one::<String>("output").ok().flatten().map(String::as_str) {
            None | Some("json") => Format::Json,
            Some("yaml") => Format::Yaml,
            Some("table") => Format::Table,
            // Download commands take a file name here; they never print a format.
            Some(_) => Format::Json,
        };
        let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        Ok(Cli { client, key, format, color })
    }

    /// The configured client.
    pub(crate) fn client(&self) -> &ringg::Client {
        &self.client
    }

    /// Prints a response in the chosen format.
    pub(crate) fn print<T: Serialize>(&self, value: &T, table: &Table) -> Result<(), Failure> {
        let mut value =
            serde_json::to_value(value).map_err(|e| Failure::local(format!("cannot show the response: {e}")))?;
        scrub(&mut value, &self.key);
        let text = output::render(&value, self.format, self.color, table);
        write_stdout(text.as_bytes())
    }

    /// `--all`: every item as one JSON line, one page in memory at a time; a progress bar on
    /// stderr when it is a terminal.
    pub(crate) async fn stream<T: Serialize>(&self, mut items: ringg::Paginator<T>) -> Result<(), Failure> {
        // A spinner counting items until the API says how many there are, then a bar.
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {pos} items") {
                bar.set_style(style);
            }
            bar
        });
        let mut sized = false;
        let stdout = std::io::stdout();
        while let Some(item) = items.try_next().await? {
            let mut value =
                serde_json::to_value(&item).map_err(|e| Failure::local(format!("cannot show an item: {e}")))?;
            scrub(&mut value, &self.key);
            let mut line = value.to_string().into_bytes();
            line.push(b'\n');
            stdout.lock().write_all(&line).map_err(stdout_failure)?;
            if let Some(bar) = &bar {
                if let (false, Some(total)) = (sized, items.total()) {
                    sized = true;
                    bar.set_length(total);
                    if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} items") {
                        bar.set_style(style);
                    }
                }
                bar.inc(1);
            }
        }
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        Ok(())
    }

    /// A binary download: to `--output FILE`, or to stdout when it is not a terminal.
    pub(crate) async fn download(&self, m: &ArgMatches, bytes: ringg::ByteStream) -> Result<(), Failure> {
        match m.get_one::<String>("output") {
            Some(path) => {
                let n = bytes.save(path).await?;
                eprintln!("saved {n} bytes to {path}");
                Ok(())
            }
            None if std::io::stdout().is_terminal() => {
                Err(Failure::usage("this command returns a file: pass --output FILE, or redirect stdout"))
            }
            None => {
                bytes.write_to(tokio::io::stdout()).await?;
                Ok(())
            }
        }
    }
}

/// Replaces the key wherever it appears in a string of the value.
fn scrub(value: &mut Value, key: &str) {
    match value {
        Value::String(s) if !key.is_empty() && s.contains(key) => *s = s.replace(key, "[redacted]"),
        Value::Array(items) => items.iter_mut().for_each(|v| scrub(v, key)),
        Value::Object(fields) => fields.values_mut().for_each(|v| scrub(v, key)),
        _ => {}
    }
}

fn write_stdout(bytes: &[u8]) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes).and_then(|()| out.flush()).map_err(stdout_failure)
}

fn stdout_failure(e: std::io::Error) -> Failure {
    Failure::local(format!("cannot write to stdout: {e}"))
}

/// `http://host:port` gets the path of the API's default base URL (`/ca/api/v0`).
fn with_default_path(url: &str, default: &str) -> String {
    let url = url.trim_end_matches('/');
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    if after_scheme.contains('/') { url.to_string() } else { format!("{url}{}", path_of(default)) }
}

/// The path of a URL (`/ca/api/v0`), empty when it has none.
fn path_of(url: &str) -> &str {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    after_scheme.find('/').map_or("", |i| &after_scheme[i..])
}

/// Another base URL that lives beside the default one in the spec (same host, another path)
/// lives beside the overridden default too: `http://127.0.0.1:8080/ca/api/v0` gives
/// `http://127.0.0.1:8080/stt/v1`.
fn derive_base(base: &str, spec_default: &str, spec_other: &str) -> Option<String> {
    let origin = |u: &str| u.strip_suffix(path_of(u)).map(str::to_string);
    let (spec_origin, other_origin) = (origin(spec_default)?, origin(spec_other)?);
    if spec_origin != other_origin {
        return None;
    }
    let root = base.strip_suffix(path_of(spec_default))?;
    Some(format!("{root}{}", path_of(spec_other)))
}

fn is_loopback(url: &str) -> bool {
    let host = url.split_once("://").map_or(url, |(_, r)| r).split(['/', ':']).next().unwrap_or("");
    matches!(host, "127.0.0.1" | "localhost" | "[")
}

// ---- Arguments, for the generated commands ----------------------------------------------

/// A required positional argument.
pub(crate) fn positional(id: &'static str, value_name: &'static str, help: &'static str) -> Arg {
    Arg::new(id).required(true).value_name(value_name).help(help)
}

/// A flag setting one top-level field of the body.
pub(crate) fn body_flag(
    name: &'static str,
    value_name: &'static str,
    help: &'static str,
    values: &'static [&'static str],
) -> Arg {
    flag(name, value_name, help, values).help_heading(BODY)
}

/// An optional flag taking one value, shown as `value_name`; `values` lists an enum's values
/// (shown and completed).
pub(crate) fn flag(
    name: &'static str,
    value_name: &'static str,
    help: &'static str,
    values: &'static [&'static str],
) -> Arg {
    let arg = Arg::new(name).long(name).value_name(value_name).help(help);
    if values.is_empty() { arg } else { arg.value_parser(values.to_vec()) }
}

/// An optional flag that may repeat (a list): `--agent-id a --agent-id b`.
pub(crate) fn list_flag(
    name: &'static str,
    value_name: &'static str,
    help: &'static str,
    values: &'static [&'static str],
) -> Arg {
    flag(name, value_name, help, values).action(ArgAction::Append)
}

/// A file path for a multipart file field.
pub(crate) fn file_flag(name: &'static str, help: &'static str, required: bool, repeat: bool) -> Arg {
    let arg = Arg::new(name)
        .long(name)
        .value_name("PATH")
        .required(required)
        .help(help)
        .help_heading(BODY)
        .value_hint(clap::ValueHint::FilePath);
    if repeat { arg.action(ArgAction::Append) } else { arg }
}

/// `--body`: the whole body as `@file.json`, `-` (stdin) or inline JSON.
pub(crate) fn body_arg(type_name: &'static str) -> Arg {
    Arg::new("body").long("body").value_name("@FILE|-|JSON").help_heading(BODY).help(format!(
        "The body as JSON ({type_name}): @file.json, - for stdin, or inline; field flags override its fields; checked before sending"
    ))
}

/// `--output json|yaml|table`.
pub(crate) fn format_arg() -> Arg {
    Arg::new("output")
        .long("output")
        .short('o')
        .value_name("FORMAT")
        .value_parser(["json", "yaml", "table"])
        .help("Output format (default json: pretty and coloured on a terminal, compact otherwise)")
}

/// `--output FILE` of a download.
pub(crate) fn output_file_arg() -> Arg {
    Arg::new("output")
        .long("output")
        .short('o')
        .value_name("FILE")
        .value_hint(clap::ValueHint::FilePath)
        .help("Where to save the file (default: stdout, when it is not a terminal)")
}

/// `--all` of a paginated endpoint.
pub(crate) fn all_arg() -> Arg {
    Arg::new("all")
        .long("all")
        .action(ArgAction::SetTrue)
        .help("Stream every item of every page as one JSON line each (NDJSON), one page in memory at a time")
}

/// Whether `--all` was given.
pub(crate) fn all(m: &ArgMatches) -> bool {
    m.try_get_one::<bool>("all").ok().flatten().copied().unwrap_or(false)
}

/// Reads a value given as text into a spec type: JSON when it decodes as such (`10`, `true`),
/// otherwise the text itself as a JSON string.
fn decode_text<T: DeserializeOwned>(flag: &str, text: &str, expected: &str) -> Result<T, Failure> {
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        if let Ok(t) = serde_json::from_value::<T>(v) {
            return Ok(t);
        }
    }
    serde_json::from_value(Value::String(text.to_string()))
        .map_err(|_| Failure::usage(format!("invalid value `{text}` for {flag}: expected {expected}")))
}

/// An optional argument read into its spec type.
pub(crate) fn opt<T: DeserializeOwned>(
    m: &ArgMatches,
    id: &str,
    flag: &str,
    expected: &str,
) -> Result<Option<T>, Failure> {
    m.get_one::<String>(id).map(|t| decode_text(flag, t, expected)).transpose()
}

/// A required argument read into its spec type.
pub(crate) fn req<T: DeserializeOwned>(m: &ArgMatches, id: &str, flag: &str, expected: &str) -> Result<T, Failure> {
    opt(m, id, flag, expected)?.ok_or_else(|| Failure::usage(format!("{flag} is required")))
}

/// A repeated argument, each value read into its spec type.
pub(crate) fn list<T: DeserializeOwned>(
    m: &ArgMatches,
    id: &str,
    flag: &str,
    expected: &str,
) -> Result<Vec<T>, Failure> {
    m.get_many::<String>(id).into_iter().flatten().map(|t| decode_text(flag, t, expected)).collect()
}

/// One top-level body field that has a flag.
pub(crate) struct BodyField {
    /// Argument id, the flag without `--`.
    pub id: &'static str,
    /// Wire name.
    pub wire: &'static str,
    /// The flag, `--campaign-name`.
    pub flag: &'static str,
    /// The spec type, for messages.
    pub ty: &'static str,
    /// Whether the flag's text is the value itself (strings, dates, enums); otherwise it is JSON.
    pub text: bool,
}

/// The body as JSON: `--body` (or `{}`) with the field flags laid over it.
pub(crate) fn body_json(m: &ArgMatches, fields: &[BodyField]) -> Result<Map<String, Value>, Failure> {
    let mut body = match m.get_one::<String>("body") {
        None => Map::new(),
        Some(source) => {
            let text = read_body(source)?;
            match serde_json::from_str::<Value>(&text) {
                Ok(Value::Object(o)) => o,
                Ok(_) => return Err(Failure::usage("--body: expected a JSON object")),
                Err(e) => return Err(Failure::usage(format!("--body is not JSON: {e}"))),
            }
        }
    };
    for f in fields {
        let Some(text) = m.get_one::<String>(f.id) else { continue };
        let value = if f.text {
            Value::String(text.clone())
        } else {
            serde_json::from_str(text).map_err(|_| {
                Failure::usage(format!("invalid value `{text}` for {}: expected {} as JSON", f.flag, f.ty))
            })?
        };
        body.insert(f.wire.to_string(), value);
    }
    Ok(body)
}

fn read_body(source: &str) -> Result<String, Failure> {
    if source == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Failure::usage(format!("--body -: cannot read stdin: {e}")))?;
        Ok(text)
    } else if let Some(path) = source.strip_prefix('@') {
        std::fs::read_to_string(path).map_err(|e| Failure::usage(format!("--body: cannot read `{path}`: {e}")))
    } else {
        Ok(source.to_string())
    }
}

/// A JSON body checked against its spec type with the client's own decoder, so a mistake is
/// reported with its JSON path before anything is sent.
pub(crate) fn json_body<T: DeserializeOwned>(
    m: &ArgMatches,
    fields: &[BodyField],
    type_name: &str,
) -> Result<T, Failure> {
    let body = Value::Object(body_json(m, fields)?);
    decode_value(&body, type_name)
}

fn decode_value<T: DeserializeOwned>(value: &Value, type_name: &str) -> Result<T, Failure> {
    let bytes = serde_json::to_vec(value).map_err(|e| Failure::usage(e.to_string()))?;
    ringg::runtime::decode_slice(&bytes).map_err(|e| Failure::usage(format!("the body does not fit {type_name}: {e}")))
}

/// A required field of a multipart body, decoded into its type.
pub(crate) fn form_field<T: DeserializeOwned>(
    body: &Map<String, Value>,
    wire: &str,
    flag: &str,
    type_name: &str,
) -> Result<T, Failure> {
    match body.get(wire) {
        None => Err(Failure::usage(format!(
            "the body does not fit {type_name}: `{wire}` is required (pass {flag} or put it in --body)"
        ))),
        Some(v) => decode_value(v, type_name).map_err(|f| Failure::usage(format!("{} (field `{wire}`)", f.message))),
    }
}

/// An optional field of a multipart body.
pub(crate) fn form_opt<T: DeserializeOwned>(
    body: &Map<String, Value>,
    wire: &str,
    type_name: &str,
) -> Result<Option<T>, Failure> {
    match body.get(wire) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => {
            decode_value(v, type_name).map(Some).map_err(|f| Failure::usage(format!("{} (field `{wire}`)", f.message)))
        }
    }
}

/// A file of a multipart body; the file must exist.
pub(crate) fn upload(m: &ArgMatches, id: &str, flag: &str) -> Result<ringg::Upload, Failure> {
    uploads(m, id, flag)?.into_iter().next().ok_or_else(|| Failure::usage(format!("{flag} is required")))
}

/// The files of a repeated multipart file field.
pub(crate) fn uploads(m: &ArgMatches, id: &str, flag: &str) -> Result<Vec<ringg::Upload>, Failure> {
    m.get_many::<String>(id)
        .into_iter()
        .flatten()
        .map(|path| {
            if std::path::Path::new(path).is_file() {
                Ok(ringg::Upload::from_path(path))
            } else {
                Err(Failure::usage(format!("{flag}: `{path}` is not a readable file")))
            }
        })
        .collect()
}

/// Says on stderr that an endpoint is deprecated, and what replaces it.
pub(crate) fn warn_deprecated(command: &str, note: &str) {
    eprintln!("warning: `{command}` is deprecated: {note}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_follow_the_override() {
        let spec_default = "https://prod-api.ringg.ai/ca/api/v0";
        let base = with_default_path("http://127.0.0.1:8080", spec_default);
        assert_eq!(base, "http://127.0.0.1:8080/ca/api/v0");
        assert_eq!(with_default_path("http://127.0.0.1:8080/x/", spec_default), "http://127.0.0.1:8080/x");
        assert_eq!(
            derive_base(&base, spec_default, "https://prod-api.ringg.ai/stt/v1").as_deref(),
            Some("http://127.0.0.1:8080/stt/v1")
        );
        assert_eq!(derive_base(&base, spec_default, "https://other.example/stt"), None);
        assert!(
            is_loopback("http://127.0.0.1:1/a")
                && is_loopback("http://localhost")
                && !is_loopback("https://prod-api.ringg.ai")
        );
    }

    #[test]
    fn the_command_tree_is_consistent() {
        // clap's own checks over every command: unique ids and flags, valid defaults.
        command().debug_assert();
    }

    #[test]
    fn the_key_is_scrubbed_from_output() {
        let mut v = serde_json::json!({ "api_key": "k-123", "nested": [{ "url": "https://x/?key=k-123" }], "n": 1 });
        scrub(&mut v, "k-123");
        assert_eq!(
            v,
            serde_json::json!({ "api_key": "[redacted]", "nested": [{ "url": "https://x/?key=[redacted]" }], "n": 1 })
        );
    }

    #[test]
    fn errors_map_to_distinct_exit_codes() {
        let usage = Failure::usage("x");
        assert_eq!(usage.code, EXIT_USAGE);
        let distinct: std::collections::BTreeSet<u8> =
            [EXIT_USAGE, EXIT_API, EXIT_NETWORK, EXIT_DECODE, EXIT_LOCAL].into();
        assert_eq!(distinct.len(), 5);
    }
}
