//! `cargo xtask spec-diff`: what a spec change breaks, for review in a pull request.
//!
//! Reads the spec on two sides (git revisions, folders, or the working tree), loads both into
//! the IR and prints `generator::diff`'s report. The comparison and its rules live in the
//! generator and do no I/O; this module only finds the files. The report goes to stdout, so
//! `--format markdown` can be pasted into a pull request and `--format json` piped into tools;
//! what was compared goes to stderr.
//!
//! # The previous release
//!
//! Both this task and `cargo xtask changelog` compare with the same previous release, so the
//! bump one asks for and the section the other writes always agree. A version is released once
//! it is on `main` (its tag `vX.Y.Z` is named in the output when there is one, and is not
//! needed). [`previous_release`] finds it: when `api.version` of the working tree differs from
//! the one at the merge base of `main` and `HEAD`, that merge base is the previous release; when
//! it is the same, the working tree's version is already released, and the release before it is
//! the state of `main` just before the commit that last changed `api.version` (found on `main`'s
//! first-parent history).

use std::path::{Path, PathBuf};
use std::process::Command;

use generator::SourceFile;
use generator::diff::{SpecDiff, diff};

/// Usage of the task, shown on a bad argument.
pub const USAGE: &str = "\
cargo xtask spec-diff [--base REV | --base-dir DIR] [--head REV | --head-dir DIR]
                      [--format text|markdown|json] [--allow-breaking]

  --base REV        base revision (default: `git merge-base main HEAD`, the previous release
                    when api.version is bumped)
  --head REV        head revision (default: spec/ in the working tree)
  --base-dir DIR    read the base spec from a folder of *.yaml files instead
  --head-dir DIR    read the head spec from a folder of *.yaml files instead
  --format F        text (default), markdown (for a pull request) or json (for tools)
  --allow-breaking  exit 0 even when api.version does not make the bump the changes need

Exit status: 0 when the report is printed and the version is fine; 2 when the changes need a
bump (of any size) that api.version does not make (the report is still printed); 1 when the
comparison could not be made (a bad revision or folder, a spec that does not load, a bad
argument).
";

/// The exit status when a required bump is not made, distinct from errors (1).
pub const EXIT_BUMP_NEEDED: u8 = 2;

/// Where one side of the comparison comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Side {
    /// The merge base of `main` and `HEAD`: the default base.
    MergeBase,
    /// A git revision: `spec/*.yaml` as committed there.
    Rev(String),
    /// A folder of spec files.
    Dir(PathBuf),
    /// `spec/` in the working tree, saved or not committed: the default head.
    WorkTree,
}

/// Report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Plain text for a terminal.
    Text,
    /// Markdown for a pull request.
    Markdown,
    /// JSON for tools.
    Json,
}

/// Parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The old side.
    pub base: Side,
    /// The new side.
    pub head: Side,
    /// Report format.
    pub format: Format,
    /// Succeed even when a required bump is missing.
    pub allow_breaking: bool,
}

/// Parses the arguments after `spec-diff`. Flags take their value as the next argument or after `=`.
pub fn parse(args: &[&str]) -> Result<Options, String> {
    let mut options =
        Options { base: Side::MergeBase, head: Side::WorkTree, format: Format::Text, allow_breaking: false };
    let (mut base_set, mut head_set) = (false, false);
    let mut i = 0;
    while i < args.len() {
        let (flag, inline) = match args[i].split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v)),
            _ => (args[i], None),
        };
        let mut value = || -> Result<String, String> {
            match inline {
                Some(v) => Ok(v.to_string()),
                None => {
                    i += 1;
                    args.get(i).map(|v| v.to_string()).ok_or_else(|| format!("`{flag}` needs a value\n\n{USAGE}"))
                }
            }
        };
        let set_side = |slot: &mut Side, seen: &mut bool, side: Side| -> Result<(), String> {
            if std::mem::replace(seen, true) {
                return Err(format!(
                    "give the {} once, as a revision or a folder\n\n{USAGE}",
                    if flag.starts_with("--base") { "base" } else { "head" }
                ));
            }
            *slot = side;
            Ok(())
        };
        match flag {
            "--base" => {
                let v = value()?;
                set_side(&mut options.base, &mut base_set, Side::Rev(v))?;
            }
            "--head" => {
                let v = value()?;
                set_side(&mut options.head, &mut head_set, Side::Rev(v))?;
            }
            "--base-dir" => {
                let v = value()?;
                set_side(&mut options.base, &mut base_set, Side::Dir(v.into()))?;
            }
            "--head-dir" => {
                let v = value()?;
                set_side(&mut options.head, &mut head_set, Side::Dir(v.into()))?;
            }
            "--format" => {
                options.format = match value()?.as_str() {
                    "text" => Format::Text,
                    "markdown" | "md" => Format::Markdown,
                    "json" => Format::Json,
                    other => return Err(format!("unknown format `{other}`: use text, markdown or json")),
                };
            }
            "--allow-breaking" if inline.is_none() => options.allow_breaking = true,
            other => return Err(format!("unknown argument `{other}`\n\n{USAGE}")),
        }
        i += 1;
    }
    Ok(options)
}

/// The outcome of a comparison that could be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The report is printed and the version is fine (or breaking changes are allowed).
    Ok,
    /// A bump is needed and `api.version` does not make it: what to do.
    BumpNeeded(String),
}

/// `cargo xtask spec-diff ...`: prints the report and says whether a required bump is missing.
pub fn run(root: &Path, args: &[&str]) -> Result<Verdict, String> {
    let options = parse(args)?;
    let (base_label, base) = read_side(root, &options.base)?;
    let (head_label, head) = read_side(root, &options.head)?;
    eprintln!("spec-diff: base {base_label}, head {head_label}");
    if let Some(warning) = same_commit_warning(root, &options.base, &options.head) {
        eprintln!("spec-diff: warning: {warning}");
    }
    let d = compare(&base, &head)?;
    print!("{}", render(&d, options.format));
    let check = d.version_check();
    if check.blocking && !options.allow_breaking {
        return Ok(Verdict::BumpNeeded(format!(
            "spec-diff: api.version {} → {} does not make the bump these changes need. Set `version: {}` in \
             spec/api.yaml, run `cargo xtask codegen` and `cargo xtask changelog`, and commit the regenerated \
             crate, Cargo.lock (it records the crate's version) and generated/CHANGELOG.md with it; or pass \
             --allow-breaking.",
            d.base_version,
            d.head_version,
            check.suggested.as_deref().unwrap_or("?")
        )));
    }
    Ok(Verdict::Ok)
}

/// A warning when the base is the commit the head is on: then only uncommitted changes are
/// compared (or nothing at all), and "no API changes" may not mean what the reviewer thinks.
pub fn same_commit_warning(root: &Path, base: &Side, head: &Side) -> Option<String> {
    let commit = |side: &Side| -> Option<String> {
        let rev = match side {
            Side::MergeBase => git(root, &["merge-base", "main", "HEAD"]).ok()?.trim().to_string(),
            Side::Rev(rev) => rev.clone(),
            Side::Dir(_) | Side::WorkTree => return None,
        };
        Some(git(root, &["rev-parse", "--verify", "--quiet", &format!("{rev}^{{commit}}")]).ok()?.trim().to_string())
    };
    let base_commit = commit(base)?;
    let head_commit = match head {
        Side::WorkTree => git(root, &["rev-parse", "--verify", "--quiet", "HEAD^{commit}"]).ok()?.trim().to_string(),
        other => commit(other)?,
    };
    if base_commit != head_commit {
        return None;
    }
    let what = if *head == Side::WorkTree {
        "only uncommitted changes to spec/ are compared"
    } else {
        "base and head are the same commit, so there is nothing to compare"
    };
    Some(format!(
        "the base resolves to {} (HEAD): {what}; pass --base REV to compare with an earlier revision",
        short(&base_commit)
    ))
}

/// The previous release of the working tree: its version, and the revision whose spec it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    /// Its `api.version`.
    pub version: String,
    /// The commit holding its spec.
    pub rev: String,
    /// How it was found, for messages: the commit, its tag if it has one, and why.
    pub label: String,
}

/// `main`, or `origin/main` in a clone that has only the remote branch.
fn main_ref(root: &Path) -> Result<&'static str, String> {
    for name in ["main", "origin/main"] {
        if git(root, &["rev-parse", "--verify", "--quiet", &format!("{name}^{{commit}}")]).is_ok() {
            return Ok(name);
        }
    }
    Err("no `main` (or `origin/main`) to find the previous release on: fetch it, or pass --base REV".to_string())
}

/// `git merge-base main HEAD`.
pub fn merge_base(root: &Path) -> Result<String, String> {
    let main = main_ref(root)?;
    Ok(git(root, &["merge-base", main, "HEAD"])
        .map_err(|e| format!("{e}\nno merge base of `{main}` and HEAD: fetch the history, or pass --base REV"))?
        .trim()
        .to_string())
}

/// `api.version` of the spec at `rev`; `None` when that spec does not load (a commit from
/// before the spec existed).
fn version_at(root: &Path, rev: &str) -> Option<String> {
    let files = read_rev(root, rev).ok()?;
    Some(generator::load_for_comparison(&files).ok()?.version)
}

/// `commit` shortened, with its tags: `1a2b3c4d5e6f (tag v0.2.0)`.
fn describe(root: &Path, commit: &str) -> String {
    let tags = git(root, &["tag", "--points-at", commit]).unwrap_or_default();
    let tags: Vec<&str> = tags.lines().map(str::trim).filter(|t| !t.is_empty()).collect();
    if tags.is_empty() { short(commit).to_string() } else { format!("{} (tag {})", short(commit), tags.join(", ")) }
}

/// The previous release of a working tree whose `api.version` is `head_version`, as the module
/// docs define it; `None` when `main` never had another version (the first release).
pub fn previous_release(root: &Path, head_version: &str) -> Result<Option<Release>, String> {
    let base = merge_base(root)?;
    let on_main =
        version_at(root, &base).ok_or_else(|| format!("the spec at the merge base {} does not load", short(&base)))?;
    if on_main != head_version {
        let label = format!("{on_main} at {}, the merge base with main", describe(root, &base));
        return Ok(Some(Release { version: on_main, rev: base, label }));
    }
    // The working tree's version is already on main: the release before it ends where the
    // commit that set this version starts.
    let log = git(root, &["log", "--first-parent", "--format=%H", &base, "--", "spec/api.yaml"])?;
    let mut newer: Option<&str> = None;
    for commit in log.lines().map(str::trim).filter(|c| !c.is_empty()) {
        match version_at(root, commit) {
            Some(v) if v == head_version => newer = Some(commit),
            Some(_) | None => {
                let Some(bump) = newer else { return Ok(None) };
                let rev = git(root, &["rev-parse", &format!("{bump}^1")])?.trim().to_string();
                let Some(version) = version_at(root, &rev) else { return Ok(None) };
                let label = format!(
                    "{version} at {}, before {} set api.version to {head_version}",
                    describe(root, &rev),
                    short(bump)
                );
                return Ok(Some(Release { version, rev, label }));
            }
        }
    }
    Ok(None)
}

/// The report in the requested format.
pub fn render(d: &SpecDiff, format: Format) -> String {
    match format {
        Format::Text => d.to_text(),
        Format::Markdown => d.to_markdown(),
        Format::Json => d.to_json(),
    }
}

/// Loads both sides and diffs them. Examples are not compared, so they are not checked either
/// (`generator::load_for_comparison`): an earlier revision stays comparable when the example
/// rules grow; `cargo xtask validate` and codegen check the working tree's in full.
pub fn compare(base: &[SourceFile], head: &[SourceFile]) -> Result<SpecDiff, String> {
    let base = generator::load_for_comparison(base).map_err(|d| format!("the base spec does not load:\n{d}"))?;
    let head = generator::load_for_comparison(head).map_err(|d| format!("the head spec does not load:\n{d}"))?;
    Ok(diff(&base, &head))
}

/// The spec files of one side, with a label saying where they came from.
pub fn read_side(root: &Path, side: &Side) -> Result<(String, Vec<SourceFile>), String> {
    match side {
        Side::MergeBase => {
            let rev = git(root, &["merge-base", "main", "HEAD"])
                .map_err(|e| {
                    format!("{e}\nno local `main` to compare with: pass --base REV (for example origin/main)")
                })?
                .trim()
                .to_string();
            let files = read_rev(root, &rev)?;
            Ok((format!("{} (merge base of main and HEAD)", short(&rev)), files))
        }
        Side::Rev(rev) => Ok((rev.clone(), read_rev(root, rev)?)),
        Side::Dir(dir) => {
            // Relative folders are taken from the current directory, else from the repository.
            let dir = if dir.is_relative() && !dir.exists() { root.join(dir) } else { dir.clone() };
            Ok((dir.display().to_string(), read_dir(&dir)?))
        }
        Side::WorkTree => Ok(("working tree".to_string(), crate::read_spec(root)?)),
    }
}

fn short(rev: &str) -> &str {
    rev.get(..12).unwrap_or(rev)
}

/// `spec/*.yaml` as committed at `rev`, named `spec/<file>` like the working tree's.
pub fn read_rev(root: &Path, rev: &str) -> Result<Vec<SourceFile>, String> {
    let listing = git(root, &["ls-tree", "--name-only", "--full-name", rev, "spec/"])?;
    let mut files = Vec::new();
    for path in listing.lines().filter(|p| p.ends_with(".yaml") || p.ends_with(".yml")) {
        let text = git(root, &["show", &format!("{rev}:{path}")])?;
        files.push(SourceFile { path: path.to_string(), text });
    }
    if files.is_empty() {
        return Err(format!("no spec/*.yaml at revision `{rev}`"));
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// Every `*.yaml` (or `*.yml`) of a folder, named by its real path (`DIR/<file>`) so that
/// diagnostics point at the file that has the problem; an empty folder is an error.
pub fn read_dir(dir: &Path) -> Result<Vec<SourceFile>, String> {
    let mut files = generator::files::read_spec_dir(dir)?;
    if files.is_empty() {
        return Err(format!("no *.yaml files in {}", dir.display()));
    }
    for f in &mut files {
        let name = f.path.rsplit('/').next().unwrap_or(&f.path).to_string();
        f.path = dir.join(name).display().to_string();
    }
    Ok(files)
}

/// Runs git in `root` and returns its stdout.
pub fn git(root: &Path, args: &[&str]) -> Result<String, String> {
    let output =
        Command::new("git").arg("-C").arg(root).args(args).output().map_err(|e| format!("cannot run git: {e}"))?;
    if !output.status.success() {
        return Err(format!("`git {}` failed: {}", args.join(" "), String::from_utf8_lossy(&output.stderr).trim()));
    }
    String::from_utf8(output.stdout)
        .map_err(|_| format!("`git {}` printed something that is not UTF-8", args.join(" ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const API: &str = "\
api:
  name: tiny
  title: Tiny
  version: 0.1.0
  api_version: v1
  doc: A tiny API.
  base_urls:
    default: https://api.example.com
  auth:
    header: X-API-KEY
    env: TINY_API_KEY
  pagination:
    limit: limit
    offset: offset
    default_limit: 20
    max_limit: 100
errors:
  \"404\": { name: NotFound, doc: Not found. }
";

    const THINGS: &str = "\
types:
  Color:
    doc: A colour.
    enum:
      red: Red.
      blue: Blue.
  Thing:
    doc: A thing.
    fields:
      id: { type: string, doc: Id. }
      color: { type: Color, doc: Its colour. }
resources:
  things:
    doc: Things.
    endpoints:
      get:
        doc: One thing.
        method: GET
        path: /things/{id}
        path_params:
          id: { type: string, doc: Id. }
        response: { type: Thing }
";

    /// A fresh git repository in the temp folder, removed on drop.
    struct Repo(PathBuf);

    impl Repo {
        fn new(name: &str) -> Repo {
            let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
            let dir = std::env::temp_dir().join(format!("xtask-spec-diff-{name}-{}-{nanos}", std::process::id()));
            std::fs::create_dir_all(dir.join("spec")).unwrap();
            let repo = Repo(dir);
            repo.git(&["init", "-q", "-b", "main"]);
            repo
        }

        fn git(&self, args: &[&str]) -> String {
            let output = Command::new("git")
                .arg("-C")
                .arg(&self.0)
                .args([
                    "-c",
                    "user.name=Spec Diff",
                    "-c",
                    "user.email=spec-diff@example.com",
                    "-c",
                    "commit.gpgsign=false",
                ])
                .args(args)
                .env_remove("GIT_DIR")
                .env_remove("GIT_WORK_TREE")
                .env_remove("GIT_INDEX_FILE")
                .output()
                .expect("git runs");
            assert!(output.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&output.stderr));
            String::from_utf8(output.stdout).unwrap().trim().to_string()
        }

        fn write(&self, name: &str, text: &str) {
            std::fs::write(self.0.join("spec").join(name), text).unwrap();
        }

        fn commit(&self, message: &str) -> String {
            self.git(&["add", "-A"]);
            self.git(&["commit", "-q", "-m", message]);
            self.git(&["rev-parse", "HEAD"])
        }

        fn diff(&self, base: Side, head: Side) -> SpecDiff {
            let (_, base) = read_side(&self.0, &base).unwrap();
            let (_, head) = read_side(&self.0, &head).unwrap();
            compare(&base, &head).unwrap()
        }
    }

    impl Drop for Repo {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn kinds(d: &SpecDiff) -> Vec<String> {
        d.changes.iter().map(|c| c.kind.id()).collect()
    }

    #[test]
    fn diffs_two_git_revisions() {
        let repo = Repo::new("revs");
        repo.write("api.yaml", API);
        repo.write("things.yaml", THINGS);
        std::fs::write(repo.0.join("spec/README.md"), "not a spec file").unwrap();
        let first = repo.commit("base");

        // On a branch: a new optional field, and a patch bump, which is enough for a minor change
        // before 1.0.
        repo.git(&["checkout", "-q", "-b", "feature"]);
        repo.write("api.yaml", &API.replace("version: 0.1.0", "version: 0.1.1"));
        repo.write(
            "things.yaml",
            &THINGS.replace("      color:", "      name: { type: string, optional: true, doc: Name. }\n      color:"),
        );
        let second = repo.commit("add Thing.name");

        let d = repo.diff(Side::Rev(first.clone()), Side::Rev(second.clone()));
        assert_eq!(kinds(&d), ["field-added"]);
        assert_eq!((d.base_version.as_str(), d.head_version.as_str()), ("0.1.0", "0.1.1"));
        assert!(d.version_check().ok);

        // The defaults: the merge base with main (the first commit) against the working tree,
        // which also drops an enum value without committing.
        repo.write(
            "things.yaml",
            &THINGS
                .replace("      blue: Blue.\n", "")
                .replace("      color:", "      name: { type: string, optional: true, doc: Name. }\n      color:"),
        );
        let (label, _) = read_side(&repo.0, &Side::MergeBase).unwrap();
        assert!(label.starts_with(&first[..12]), "{label}");
        let d = repo.diff(Side::MergeBase, Side::WorkTree);
        assert_eq!(kinds(&d), ["enum-value-removed", "field-added"]);
        assert!(d.version_check().blocking);

        // The same sides from the command line: blocked, unless breaking changes are allowed.
        let Verdict::BumpNeeded(message) = run(&repo.0, &["--format", "json"]).unwrap() else {
            panic!("a missing major bump must be reported")
        };
        assert!(message.contains("does not make the bump") && message.contains("0.2.0"), "{message}");
        assert!(message.contains("Cargo.lock"), "{message}");
        assert_eq!(run(&repo.0, &["--format=markdown", "--allow-breaking"]).unwrap(), Verdict::Ok);
        assert_eq!(run(&repo.0, &["--base", &first, "--head", &second]).unwrap(), Verdict::Ok);
        // A bad revision is an error, not a verdict.
        assert!(run(&repo.0, &["--base", "no-such-revision"]).is_err());
        // Neither side is the commit the other is on: no warning.
        assert_eq!(same_commit_warning(&repo.0, &Side::Rev(first.clone()), &Side::Rev(second.clone())), None);
    }

    #[test]
    fn the_same_revision_has_no_changes() {
        let repo = Repo::new("same");
        repo.write("api.yaml", API);
        repo.write("things.yaml", THINGS);
        let rev = repo.commit("base");
        let d = repo.diff(Side::Rev(rev.clone()), Side::Rev("HEAD".into()));
        assert!(d.is_empty());
        let d = repo.diff(Side::MergeBase, Side::WorkTree);
        assert!(d.is_empty());
        // On main itself the merge base is HEAD: the report would say "no API changes" about
        // uncommitted changes only, so spec-diff warns.
        let warning = same_commit_warning(&repo.0, &Side::MergeBase, &Side::WorkTree).expect("a warning");
        assert!(warning.contains("only uncommitted changes"), "{warning}");
        let warning = same_commit_warning(&repo.0, &Side::Rev("HEAD".into()), &Side::Rev(rev)).expect("a warning");
        assert!(warning.contains("nothing to compare"), "{warning}");
    }

    #[test]
    fn a_revision_without_spec_files_is_an_error() {
        let repo = Repo::new("empty");
        std::fs::write(repo.0.join("README.md"), "nothing here").unwrap();
        repo.commit("no spec");
        let err = read_side(&repo.0, &Side::Rev("HEAD".into())).unwrap_err();
        assert!(err.contains("no spec/*.yaml"), "{err}");
    }

    #[test]
    fn a_folder_side_names_its_real_files() {
        let repo = Repo::new("dir");
        let dir = repo.0.join("proposal");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("api.yaml"), API).unwrap();
        std::fs::write(dir.join("things.yaml"), THINGS.replace("type: Color", "type: Colour")).unwrap();
        let (_, files) = read_side(&repo.0, &Side::Dir(dir.clone())).unwrap();
        let err = compare(&files, &files).unwrap_err();
        let expected = format!("{}:", dir.join("things.yaml").display());
        assert!(err.contains(&expected), "{err}");
        assert!(!err.contains("spec/things.yaml"), "{err}");
    }

    #[test]
    fn parses_flags() {
        let o = parse(&[]).unwrap();
        assert_eq!(
            (o.base, o.head, o.format, o.allow_breaking),
            (Side::MergeBase, Side::WorkTree, Format::Text, false)
        );
        let o = parse(&["--base", "v1", "--head-dir=x", "--format", "md", "--allow-breaking"]).unwrap();
        assert_eq!(
            (o.base, o.head, o.format, o.allow_breaking),
            (Side::Rev("v1".into()), Side::Dir("x".into()), Format::Markdown, true)
        );
        assert!(parse(&["--base", "a", "--base-dir", "b"]).is_err());
        assert!(parse(&["--format", "yaml"]).is_err());
        assert!(parse(&["--head"]).is_err());
        assert!(parse(&["--frobnicate"]).is_err());
    }

    #[test]
    fn the_real_spec_against_itself_reports_no_change() {
        let root = crate::repo_root().unwrap();
        let files = crate::read_spec(&root).unwrap();
        let d = compare(&files, &files).unwrap();
        assert!(d.is_empty(), "{}", d.to_text());
    }
}
