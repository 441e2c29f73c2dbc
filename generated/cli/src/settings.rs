//! The settings every command shares: the key, base URLs, timeouts, retries, logging and
//! output style, from the global flags, a `--profile`, the environment (`RINGG_API_KEY`,
//! `RINGG_BASE_URL`, `RINGG_BASE_URL_STT`, as the client reads them) and the spec's defaults,
//! in that order.

use std::io::IsTerminal as _;
use std::time::Duration;

use clap::{Arg, ArgAction, ArgMatches, Command};

use crate::failure::Failure;
use crate::http::Conn;
use crate::output::{Format, Style};
use crate::profile::{self, Profile};
use crate::record::Recorder;

/// What the settings need to know about the API (emitted from the spec into `spec::API`).
#[derive(Debug)]
pub(crate) struct Api {
    /// The environment variable holding the key.
    pub key_env: &'static str,
    /// The header that carries the key.
    pub auth_header: &'static str,
    /// The environment variable of the default base URL; another base `name` is read from
    /// this plus `_NAME`.
    pub base_env: &'static str,
    /// The base URLs: name, URL, and the flag that overrides it (empty for the default one,
    /// whose flag is `--base-url`).
    pub bases: &'static [(&'static str, &'static str, &'static str)],
    /// The query parameters of a page: size and offset.
    pub page_params: (&'static str, &'static str),
    /// The page size `--all` asks for when none is given, and the largest the API accepts.
    pub page_sizes: (u32, u32),
}

/// The key the emulator accepts when started by `ringg emulator` (or `ringg-emulator`) without
/// one, and the key sent to a loopback base URL when none is configured.
pub(crate) const EMULATOR_KEY: &str = ringg_emulator::DEFAULT_KEY;

/// Where `--help` lists the options every command has.
const GLOBAL: &str = "Global options";

/// The settings of one run.
pub(crate) struct Settings {
    /// The connection (client, key, timeout, retries, logging).
    pub conn: Conn,
    /// Base URL by name; a name missing here was left unset on purpose (another base URL
    /// was overridden and this one could not be derived from it).
    pub bases: Vec<(&'static str, String)>,
    /// How output looks.
    pub style: Style,
    /// `--yes`.
    pub yes: bool,
    /// The global `--timeout`, when given: for `calling wait`, the whole wait.
    pub wait_limit: Option<Duration>,
}

impl Settings {
    /// The base URL called `name`.
    pub(crate) fn base(&self, name: &str) -> Result<&str, Failure> {
        self.bases.iter().find(|(n, _)| *n == name).map(|(_, u)| u.as_str()).ok_or_else(|| {
            Failure::usage(format!(
                "the `{name}` base URL is not set: --base-url points somewhere it cannot be derived from; pass --base-url-{name}"
            ))
        })
    }
}

/// Adds the global flags to the root command.
pub(crate) fn global_args(mut root: Command, api: &Api) -> Command {
    let flag = |id: &'static str| Arg::new(id).long(id).help_heading(GLOBAL).global(true);
    root = root
        .arg(flag("api-key").value_name("KEY").help(format!("API key (default: --profile's, else {}); never printed", api.key_env)))
        .arg(flag("base-url").value_name("URL").help(format!(
            "Base URL of the API, such as the emulator's http://127.0.0.1:8080 (default: --profile's, else {}); a URL without a path gets the API's path",
            api.base_env
        )))
        .arg(flag("profile").value_name("NAME").help("Use a profile saved with `ringg profile set` (default: RINGG_PROFILE)"))
        .arg(
            flag("timeout")
                .value_name("SECONDS")
                .value_parser(clap::value_parser!(f64))
                .help("Timeout of each request, in seconds (default 30)"),
        )
        .arg(
            flag("retries")
                .value_name("N")
                .value_parser(clap::value_parser!(u32))
                .help("How often a failed request may be re-sent (default 3; calls are never placed twice)"),
        )
        .arg(
            flag("verbose")
                .short('v')
                .action(ArgAction::Count)
                .help("-v: log each request line (with its query) and status to stderr; -vv: headers and bodies too (key and secrets redacted)"),
        )
        .arg(
            flag("color")
                .value_name("WHEN")
                .value_parser(["auto", "always", "never"])
                .help("Colour: auto (a terminal without NO_COLOR), always or never; layout does not change"),
        )
        .arg(flag("wide").action(ArgAction::SetTrue).help("Tables: every column and whole cells, whatever the width"))
        .arg(flag("insecure-http").action(ArgAction::SetTrue).help(
            "Allow a plain http:// base URL on another host (an emulator at http://emulator:8080); the key travels unencrypted",
        ))
        .arg(flag("yes").short('y').action(ArgAction::SetTrue).help("Confirm destructive commands without asking"))
        .arg(flag("record").value_name("FILE").help(
            "Append every exchange (each page too, and each delivery to `webhooks listen`) to FILE as NDJSON for `cargo xtask drift`; the key and credential fields are replaced by [redacted]",
        ));
    for (name, _, id) in api.bases.iter().filter(|(_, _, f)| !f.is_empty()) {
        root = root.arg(flag(id).value_name("URL").help(format!(
            "Base URL of the `{name}` endpoints (default: --profile's, else {}_{}, else derived from --base-url)",
            api.base_env,
            name.to_ascii_uppercase()
        )));
    }
    root
}

/// The base URL settings of a profile and the flag of each: `("base_url", "base-url")`.
pub(crate) fn profile_bases(api: &Api) -> Vec<(String, String)> {
    api.bases
        .iter()
        .map(|(name, _, flag)| {
            if flag.is_empty() {
                ("base_url".to_string(), "base-url".to_string())
            } else {
                (format!("base_url_{name}"), flag.to_string())
            }
        })
        .collect()
}

/// Where a setting came from, for messages.
fn source_of(flag: &str, from_profile: bool, env: &str) -> String {
    if from_profile {
        format!("from the profile's {}", flag.replace('-', "_"))
    } else if env.is_empty() {
        format!("--{flag}")
    } else {
        format!("from {env}")
    }
}

/// Reads the settings of `api`; `format` is the command's `--output`.
pub(crate) fn load(root: &ArgMatches, format: Format, api: &Api) -> Result<Settings, Failure> {
    let insecure = root.get_flag("insecure-http");
    let profile_name = root
        .get_one::<String>("profile")
        .cloned()
        .or_else(|| std::env::var("RINGG_PROFILE").ok().filter(|p| !p.is_empty()));
    let profile: Profile = match &profile_name {
        Some(name) => profile::load(name)?,
        None => Profile::new(),
    };
    let env = |var: &str| std::env::var(var).ok().filter(|v| !v.trim().is_empty());
    // The default base URL: flag, profile, environment, spec.
    let default_spec = api.bases.iter().find(|(_, _, f)| f.is_empty()).map_or("", |(_, u, _)| *u);
    let chosen = |flag: &str, setting: &str, var: &str| -> Option<(String, String)> {
        if let Some(v) = root.get_one::<String>(flag) {
            return Some((v.clone(), format!("--{flag}")));
        }
        if let Some(v) = profile.get(setting) {
            return Some((v.clone(), source_of(flag, true, "")));
        }
        env(var).map(|v| (v, source_of(flag, false, var)))
    };
    let default = match chosen("base-url", "base_url", api.base_env) {
        Some((value, source)) => Some(with_default_path(&check_base(&value, &source, insecure)?, default_spec)),
        None => None,
    };
    let mut bases = Vec::new();
    for (name, spec_url, flag) in api.bases {
        if flag.is_empty() {
            bases.push((*name, default.clone().unwrap_or_else(|| default_spec.to_string())));
            continue;
        }
        let var = format!("{}_{}", api.base_env, name.to_ascii_uppercase());
        let url = match chosen(flag, &format!("base_url_{name}"), &var) {
            Some((value, source)) => Some(check_base(&value, &source, insecure)?),
            None => match &default {
                Some(b) => derive_base(b, default_spec, spec_url),
                None => Some(spec_url.to_string()),
            },
        };
        if let Some(url) = url {
            bases.push((*name, url));
        }
    }
    let any_remote = bases.iter().any(|(_, u)| !is_loopback(u));
    let key = match root
        .get_one::<String>("api-key")
        .cloned()
        .or_else(|| profile.get("api_key").cloned())
        .or_else(|| env(api.key_env))
    {
        Some(k) => k,
        None if !any_remote => EMULATOR_KEY.to_string(),
        None => {
            return Err(Failure::usage(format!(
                "no API key: set {} or pass --api-key or --profile NAME (for the emulator, pass --base-url http://127.0.0.1:PORT)",
                api.key_env
            )));
        }
    };
    let timeout = match root.get_one::<f64>("timeout") {
        Some(&secs) if secs > 0.0 && secs.is_finite() && secs < 1e9 => Duration::from_secs_f64(secs),
        Some(_) => return Err(Failure::usage("--timeout: expected a positive number of seconds")),
        None => Duration::from_secs(30),
    };
    let retries = root.get_one::<u32>("retries").copied().unwrap_or(3);
    let verbosity = root.get_count("verbose");
    let needs_tls = bases.iter().any(|(_, u)| u.starts_with("https:"));
    let recorder = root.get_one::<String>("record").map(|path| Recorder::open(path)).transpose()?;
    let conn = Conn::new(key, api.auth_header, timeout, retries, verbosity, needs_tls)?.record_to(recorder);
    let style = style(root, format);
    let wait_limit = root.get_one::<f64>("timeout").map(|_| timeout);
    Ok(Settings { conn, bases, style, yes: root.get_flag("yes"), wait_limit })
}

/// The output style: pretty on a terminal; colour by `--color` and `NO_COLOR`; the width from
/// `COLUMNS` or the terminal.
pub(crate) fn style(root: &ArgMatches, format: Format) -> Style {
    let terminal = std::io::stdout().is_terminal();
    let color = match root.try_get_one::<String>("color").ok().flatten().map(String::as_str) {
        Some("always") => true,
        Some("never") => false,
        _ => {
            terminal
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var("TERM").map_or(true, |t| t != "dumb")
        }
    };
    let width =
        std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse::<usize>().ok()).filter(|w| *w > 0).or_else(|| {
            terminal.then(|| console::Term::stdout().size_checked().map(|(_, w)| usize::from(w))).flatten()
        });
    let wide = root.try_get_one::<bool>("wide").ok().flatten().copied().unwrap_or(false);
    // Colour is drawn on indented JSON, so `--color always` indents too.
    Style { format, pretty: terminal || color, color, width, wide }
}

/// Checks a base URL given by the user: a scheme, http or https, no query; plain http only to
/// this machine unless `--insecure-http`. The message names the value, where it came from,
/// and the fix.
pub(crate) fn check_base(value: &str, source: &str, insecure: bool) -> Result<String, Failure> {
    let value = value.trim();
    let bad = |why: String| Failure::usage(format!("the base URL `{value}` ({source}) is not usable: {why}"));
    if !value.contains("://") {
        let host = value.trim_start_matches('/');
        let scheme = if is_loopback(&format!("http://{host}")) { "http" } else { "https" };
        return Err(bad(format!("missing scheme; use {scheme}://{host}")));
    }
    let url = reqwest::Url::parse(value).map_err(|e| bad(format!("{e}")))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(value) || insecure => {}
        "http" => {
            return Err(bad(format!(
                "plain http:// to another machine would send the key unencrypted; use https://, or pass --insecure-http (an emulator at {value})"
            )));
        }
        other => return Err(bad(format!("unsupported scheme `{other}`; use https://"))),
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("no host".into()));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("a base URL takes no `?query` or `#fragment`".into()));
    }
    Ok(value.trim_end_matches('/').to_string())
}

/// `http://host:port` gets the path of the API's default base URL (`/ca/api/v0`).
pub(crate) fn with_default_path(url: &str, default: &str) -> String {
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

/// Whether a URL points at this machine.
pub(crate) fn is_loopback(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = if rest.starts_with('[') {
        rest.split(']').next().map_or("", |h| h.trim_start_matches('['))
    } else {
        rest.split(['/', ':']).next().unwrap_or("")
    };
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
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
            is_loopback("http://127.0.0.1:1/a") && is_loopback("http://localhost") && is_loopback("http://[::1]:80")
        );
        assert!(!is_loopback("https://prod-api.ringg.ai") && !is_loopback("http://127.example.com"));
    }

    #[test]
    fn bad_base_urls_name_the_value_and_the_fix() {
        let e = check_base("api.ringg.ai", "--base-url", false).unwrap_err();
        assert!(
            e.message.contains("`api.ringg.ai`") && e.message.contains("missing scheme; use https://api.ringg.ai"),
            "{}",
            e.message
        );
        let e = check_base("http://emulator:8080", "--base-url", false).unwrap_err();
        assert!(e.message.contains("--insecure-http"), "{}", e.message);
        assert_eq!(check_base("http://emulator:8080/", "--base-url", true).unwrap(), "http://emulator:8080");
        assert!(check_base("ftp://x", "--base-url", false).unwrap_err().message.contains("use https://"));
    }
}
