//! Named profiles: base URLs and a key kept in `ringg/config` in the user's configuration
//! folder (`$XDG_CONFIG_HOME`, else `~/.config`), written with mode 0600. `ringg profile set`,
//! `list` and `delete` manage it; `--profile NAME` (or `RINGG_PROFILE`) uses one. The key is
//! never printed: `list` says only whether one is set.
//!
//! The file is a small INI: `[name]` sections of `key = value` lines.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::{Arg, ArgMatches, Command};

use crate::failure::{Failure, write_stdout};

/// One profile: setting name (`api_key`, `base_url`, `base_url_stt`) to value.
pub(crate) type Profile = BTreeMap<String, String>;

/// The settings a profile may hold.
const SETTINGS: &[&str] = &["api_key", "base_url"];

/// Where the profiles live.
pub(crate) fn path() -> Option<PathBuf> {
    let dir = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").filter(|h| !h.is_empty()).map(|h| PathBuf::from(h).join(".config")))?;
    Some(dir.join("ringg").join("config"))
}

/// Every profile in the file; none when there is no file.
pub(crate) fn load_all() -> Result<BTreeMap<String, Profile>, Failure> {
    let Some(path) = path() else { return Ok(BTreeMap::new()) };
    match std::fs::read_to_string(&path) {
        Ok(text) => parse(&text).map_err(|e| Failure::usage(format!("{}: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
        Err(e) => Err(Failure::local(format!("cannot read {}: {e}", path.display()))),
    }
}

/// One profile by name.
pub(crate) fn load(name: &str) -> Result<Profile, Failure> {
    let all = load_all()?;
    all.get(name).cloned().ok_or_else(|| {
        let known: Vec<&str> = all.keys().map(String::as_str).collect();
        Failure::usage(format!(
            "no profile `{name}` (known: {}); create it with `ringg profile set {name} --base-url URL`",
            if known.is_empty() { "none".to_string() } else { known.join(", ") }
        ))
    })
}

fn parse(text: &str) -> Result<BTreeMap<String, Profile>, String> {
    let mut all = BTreeMap::new();
    let mut current: Option<String> = None;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            all.entry(name.trim().to_string()).or_insert_with(Profile::new);
            current = Some(name.trim().to_string());
            continue;
        }
        let (Some(name), Some((k, v))) = (&current, line.split_once('=')) else {
            return Err(format!("line {}: expected `[profile]` or `setting = value`", n + 1));
        };
        all.entry(name.clone()).or_insert_with(Profile::new).insert(k.trim().to_string(), v.trim().to_string());
    }
    Ok(all)
}

fn write_all(all: &BTreeMap<String, Profile>) -> Result<PathBuf, Failure> {
    let path = path().ok_or_else(|| Failure::local("no configuration folder: set HOME or XDG_CONFIG_HOME"))?;
    let mut text = String::from("# ringg profiles; written by `ringg profile set`. Holds API keys: keep it private.\n");
    for (name, settings) in all {
        text.push_str(&format!("\n[{name}]\n"));
        for (k, v) in settings {
            text.push_str(&format!("{k} = {v}\n"));
        }
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Failure::local(format!("cannot create {}: {e}", dir.display())))?;
    }
    let tmp = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let write = |options: &std::fs::OpenOptions| -> std::io::Result<()> {
        use std::io::Write as _;
        let mut file = options.open(&tmp)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&tmp, &path)
    };
    write(&options).map_err(|e| Failure::local(format!("cannot write {}: {e}", path.display())))?;
    Ok(path)
}

/// `ringg profile ...`.
pub(crate) fn command() -> Command {
    Command::new("profile")
        .about("Named settings (base URLs, key) for --profile NAME; stored with mode 0600, the key never printed")
        .subcommand_required(true)
        .subcommand(
            Command::new("set")
                .about("Create or change a profile from the global --base-url, --base-url-* and --api-key flags")
                .long_about(
                    "Create or change a profile from the global flags given with it: \
                     `ringg profile set emulator --base-url http://127.0.0.1:8080`. A setting not given is kept. \
                     --key-from-env stores the key of the key's environment variable.",
                )
                .arg(Arg::new("name").required(true).value_name("NAME"))
                .arg(
                    Arg::new("key-from-env")
                        .long("key-from-env")
                        .action(clap::ArgAction::SetTrue)
                        .help("Store the key held in the key's environment variable"),
                ),
        )
        .subcommand(Command::new("list").about("List the profiles and their base URLs (the key only as set)"))
        .subcommand(
            Command::new("delete").about("Delete a profile").arg(Arg::new("name").required(true).value_name("NAME")),
        )
}

/// Runs `ringg profile ...`; `root` holds the global flags, `bases` the base URL flags
/// (setting name, flag).
pub(crate) fn run(m: &ArgMatches, root: &ArgMatches, key_env: &str, bases: &[(String, String)]) -> Result<(), Failure> {
    let mut all = load_all()?;
    match m.subcommand() {
        Some(("set", m)) => {
            let name = m.get_one::<String>("name").cloned().unwrap_or_default();
            if name.is_empty() || name.contains([']', '[', '\n', '=']) {
                return Err(Failure::usage(format!("invalid profile name `{name}`")));
            }
            let profile = all.entry(name.clone()).or_default();
            for (setting, flag) in bases {
                if let Some(url) = root.get_one::<String>(flag) {
                    profile.insert(setting.clone(), url.trim().to_string());
                }
            }
            let key = match (root.get_one::<String>("api-key"), m.get_flag("key-from-env")) {
                (Some(k), _) => Some(k.clone()),
                (None, true) => {
                    Some(std::env::var(key_env).map_err(|_| Failure::usage(format!("{key_env} is not set")))?)
                }
                (None, false) => None,
            };
            if let Some(k) = key {
                if k.contains(['\n', '\r']) {
                    return Err(Failure::usage("the key holds a line break"));
                }
                profile.insert(SETTINGS[0].into(), k);
            }
            let path = write_all(&all)?;
            eprintln!("profile `{name}` saved in {}", path.display());
            Ok(())
        }
        Some(("list", _)) => {
            let mut out = String::new();
            for (name, settings) in &all {
                out.push_str(name);
                for (k, v) in settings {
                    if k == SETTINGS[0] {
                        out.push_str("  api_key=[set]");
                    } else {
                        out.push_str(&format!("  {k}={v}"));
                    }
                }
                out.push('\n');
            }
            write_stdout(out.as_bytes())
        }
        Some(("delete", m)) => {
            let name = m.get_one::<String>("name").cloned().unwrap_or_default();
            if all.remove(&name).is_none() {
                return Err(Failure::usage(format!("no profile `{name}`")));
            }
            write_all(&all)?;
            Ok(())
        }
        _ => {
            Err(Failure::usage(format!("expected `ringg profile set|list|delete` (settings: {})", SETTINGS.join(", "))))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_parse_and_bad_lines_are_named() {
        let all = parse("# x\n[emulator]\nbase_url = http://127.0.0.1:8080\n\n[prod]\napi_key = k\n").unwrap();
        assert_eq!(all["emulator"]["base_url"], "http://127.0.0.1:8080");
        assert_eq!(all["prod"]["api_key"], "k");
        assert!(parse("[a]\nnonsense\n").unwrap_err().contains("line 2"));
    }
}
