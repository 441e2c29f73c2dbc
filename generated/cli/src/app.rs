//! The root of the command line: the command tree (the generated endpoint commands and the
//! hand-written ones around them) and the dispatch. Everything else sits below this module:
//! `failure` (exit codes) at the bottom, then `json`, `record`, `output`, `http`, `profile`,
//! `settings`, `args`, `schema`, `ctx`, the generated `spec`, and the hand-written commands
//! (`tools`, `webhooks`, `api`, `follow`).

use clap::{ArgMatches, Command};

use crate::ctx::{Cli, format_of};
use crate::failure::Failure;
use crate::output::Format;
use crate::settings::{self, Settings};
use crate::spec;

/// Other names of resources: the API calls assistants agents.
const ALIASES: &[(&str, &str)] = &[("assistants", "agents")];

const EXIT_CODES: &str = "Exit codes: 0 success (also when the reader of stdout goes away), 1 local failure \
(a file could not be written), 2 bad usage or input, 3 API error, 4 network failure or timeout, \
5 a response that is not JSON.";

/// The whole command tree.
pub(crate) fn command() -> Command {
    let root = Command::new("ringg")
        .version(spec::VERSION)
        .about(spec::ABOUT)
        .after_help(EXIT_CODES)
        .subcommand_required(true)
        .arg_required_else_help(true);
    let root = settings::global_args(root, &spec::API);
    let resources = spec::resources().into_iter().map(|r| {
        let name = r.get_name().to_string();
        let mut r = ALIASES.iter().filter(|(n, _)| *n == name).fold(r, |r, (_, alias)| r.visible_alias(*alias));
        if r.get_name() == crate::follow::GROUP {
            r = crate::follow::extend(r);
        }
        r
    });
    root.subcommands(resources)
        .subcommand(crate::api::command())
        .subcommand(crate::webhooks::command())
        .subcommand(crate::profile::command())
        .subcommand(crate::tools::emulator_command())
        .subcommand(crate::tools::webcall_command())
        .subcommand(crate::tools::completions_command())
}

fn load(root: &ArgMatches, format: Format) -> Result<Settings, Failure> {
    settings::load(root, format, &spec::API)
}

fn cli(root: &ArgMatches, args: &ArgMatches) -> Result<Cli, Failure> {
    // An operation's subcommand (`assistants edit attach-kb`) has its own `--output`.
    let innermost = args.subcommand().map_or(args, |(_, sub)| sub);
    Ok(Cli { settings: load(root, format_of(innermost))?, api: &spec::API, routes: spec::ROUTES })
}

/// Runs the chosen command.
pub(crate) async fn run(m: &ArgMatches) -> Result<(), Failure> {
    let Some((group, sub)) = m.subcommand() else { return Err(Failure::usage("no command given; see `ringg --help`")) };
    match group {
        "api" => crate::api::run(&cli(m, sub)?, sub).await,
        "webhooks" => crate::webhooks::run(sub, m.get_count("verbose")).await,
        "profile" => crate::profile::run(sub, m, spec::API.key_env, &settings::profile_bases(&spec::API)),
        "emulator" => match sub.subcommand() {
            None | Some(("start", _)) => {
                let start = sub.subcommand_matches("start").unwrap_or(sub);
                crate::tools::emulator(start, m.get_one::<String>("api-key").map(String::as_str), spec::API.key_env)
                    .await
            }
            Some((name, args)) => crate::tools::control(&cli(m, args)?, name, args).await,
        },
        "webcall" => crate::tools::webcall(sub),
        "completions" => crate::tools::completions(sub, &mut command()),
        resource => {
            let Some((endpoint, args)) = sub.subcommand() else {
                return Err(Failure::usage(format!(
                    "`ringg {resource}` needs an endpoint; see `ringg {resource} --help`"
                )));
            };
            let cli = cli(m, args)?;
            if resource == crate::follow::GROUP {
                if let Some(done) = crate::follow::run(&cli, endpoint, args).await {
                    return done;
                }
            }
            spec::run(&cli, resource, endpoint, args).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_tree_is_consistent() {
        // clap's own checks over every command: unique ids and flags, valid defaults.
        command().debug_assert();
    }
}
