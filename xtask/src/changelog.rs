//! `cargo xtask changelog`: the crate's `generated/CHANGELOG.md`, written from the spec diff.
//!
//! The section for `api.version` is built from `generator::diff` between the previous release
//! (the same one `cargo xtask spec-diff` compares with: [`crate::spec_diff::previous_release`],
//! or `--base REV`) and the working tree, in the Keep a Changelog format: entries grouped as
//! Added, Changed, Deprecated, Removed, Fixed and Documentation, breaking entries marked with
//! what a user must change. The section replaces an earlier one for the same version or goes on
//! top, so running the task twice changes nothing. A section is dated the day it is first
//! written (the day the version is cut, UTC) and keeps that date. A released version's section
//! (its version is already on `main`) is never rewritten, and changing the API without bumping
//! a released version is refused. `--check` writes nothing and fails when the file is not what
//! the task would write.

use std::fmt::Write as _;
use std::path::Path;

use generator::diff::{Bump, Change, Kind, SpecDiff, Wire};
use generator::ir::{Api, Endpoint, Resource, TypeDef, TypeKind, TypeRef};

use crate::spec_diff::{compare, merge_base, previous_release, read_rev};

/// Usage of the task, shown on a bad argument.
pub const USAGE: &str = "\
cargo xtask changelog [--check] [--base REV]

  --check     write nothing; fail when generated/CHANGELOG.md is not up to date
  --base REV  compare with this revision instead of the previous release (see spec-diff)
";

/// The changelog, relative to the repository root.
pub const PATH: &str = "generated/CHANGELOG.md";

/// The file's opening, above the first version section.
const PREAMBLE: &str = "# Changelog

All notable changes to this crate. The format follows
[Keep a Changelog](https://keepachangelog.com/en/1.1.0/) and the crate follows
[Semantic Versioning](https://semver.org/spec/v2.0.0.html) (before 1.0, the minor number is the
breaking one). Each section is written by `cargo xtask changelog` from the spec diff since the
previous release; entries marked **Breaking** say what to change when upgrading.
";

/// Parsed command line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Options {
    /// Verify instead of writing.
    pub check: bool,
    /// The revision to compare with, instead of the previous release.
    pub base: Option<String>,
}

/// Parses the arguments after `changelog`.
pub fn parse(args: &[&str]) -> Result<Options, String> {
    let mut options = Options::default();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.split_once('=') {
            Some(("--base", rev)) => options.base = Some(rev.to_string()),
            _ if *arg == "--base" => {
                let rev = rest.next().ok_or_else(|| format!("`--base` needs a revision\n\n{USAGE}"))?;
                options.base = Some(rev.to_string());
            }
            _ if *arg == "--check" => options.check = true,
            _ => return Err(format!("unknown argument `{arg}`\n\n{USAGE}")),
        }
    }
    Ok(options)
}

/// `cargo xtask changelog [--check] [--base REV]`.
pub fn run(root: &Path, args: &[&str]) -> Result<(), String> {
    let options = parse(args)?;
    let head_files = crate::read_spec(root)?;
    let head = generator::load(&head_files).map_err(|d| format!("the spec does not load:\n{d}"))?;
    let path = root.join(PATH);
    let old = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let body = match &options.base {
        Some(rev) => {
            eprintln!("changelog: {} since {rev}", head.version);
            section(&read_rev(root, rev)?, &head_files, &head)?
        }
        None => {
            let base = merge_base(root)?;
            let released = compare(&read_rev(root, &base)?, &head_files)?;
            if released.base_version == head.version {
                // The working tree's version is already on main: released.
                if !released.is_empty() {
                    return Err(format!(
                        "api.version {} is already released (it is the version on main at {}), and the API \
                         changed since: bump api.version in spec/api.yaml first (`cargo xtask spec-diff` \
                         says to which version), then run `cargo xtask codegen` and `cargo xtask changelog`",
                        head.version,
                        &base[..base.len().min(12)]
                    ));
                }
                if section_date(&old, &head.version).is_some() {
                    println!("changelog: {PATH} is up to date ({} is released; its section is kept)", head.version);
                    return Ok(());
                }
            }
            match previous_release(root, &head.version)? {
                Some(release) => {
                    eprintln!("changelog: {} since the previous release, {}", head.version, release.label);
                    section(&read_rev(root, &release.rev)?, &head_files, &head)?
                }
                None => {
                    eprintln!("changelog: {} is the first release (main never had another version)", head.version);
                    first_release(&head)
                }
            }
        }
    };
    let date = section_date(&old, &head.version).unwrap_or_else(today);
    let new = splice(&old, &head.version, &format!("## [{}] - {date}\n{body}", head.version));
    if new == old {
        println!("changelog: {PATH} is up to date");
        return Ok(());
    }
    if options.check {
        let diff = similar::TextDiff::from_lines(&old, &new)
            .unified_diff()
            .context_radius(3)
            .header(&format!("a/{PATH}"), &format!("b/{PATH}"))
            .to_string();
        return Err(format!("stale: {PATH}:\n{diff}\nrun `cargo xtask changelog` to update it"));
    }
    std::fs::write(&path, &new).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("changelog: wrote the {} section of {PATH}", head.version);
    Ok(())
}

/// Today's date in UTC, `YYYY-MM-DD`: the day a version is cut.
fn today() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    civil_date(secs / 86_400)
}

/// The proleptic Gregorian date `days` days after 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_date(days: u64) -> String {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// The date of the existing section for `version`, if there is one.
fn section_date(text: &str, version: &str) -> Option<String> {
    let heading = format!("## [{version}] - ");
    text.lines().find_map(|l| l.strip_prefix(&heading)).map(|d| d.trim().to_string())
}

/// `text` with the section for `version` replaced by `section`, or `section` put above the
/// first version section. The preamble is restored when the file has none.
fn splice(text: &str, version: &str, section: &str) -> String {
    let starts = |line: &str| line.starts_with("## [");
    let mut lines: Vec<&str> = text.lines().collect();
    if !lines.first().is_some_and(|l| l.starts_with("# ")) {
        lines = PREAMBLE.lines().chain(lines.iter().copied().skip_while(|l| l.trim().is_empty())).collect();
    }
    let first = lines.iter().position(|l| starts(l)).unwrap_or(lines.len());
    let own = format!("## [{version}]");
    let (before, after) = lines.split_at(first);
    let after: Vec<&str> = if after.first().is_some_and(|l| l.starts_with(&own)) {
        let next = after.iter().skip(1).position(|l| starts(l)).map_or(after.len(), |i| i + 1);
        after[next..].to_vec()
    } else {
        after.to_vec()
    };
    let mut out = before.join("\n").trim_end().to_string();
    out.push_str("\n\n");
    out.push_str(section.trim_end());
    out.push('\n');
    if !after.is_empty() {
        out.push('\n');
        out.push_str(after.join("\n").trim_end());
        out.push('\n');
    }
    out
}

/// The Keep a Changelog groups, in the order they are printed.
const GROUPS: &[&str] = &["Added", "Changed", "Deprecated", "Removed", "Fixed", "Documentation"];

/// The entries of the section for `head`, against the spec in `base_files`.
fn section(
    base_files: &[generator::SourceFile],
    head_files: &[generator::SourceFile],
    head: &Api,
) -> Result<String, String> {
    let d = compare(base_files, head_files)?;
    let base = generator::load_for_comparison(base_files).map_err(|e| format!("the base spec does not load:\n{e}"))?;
    Ok(entries(&d, &base, head))
}

/// The entries of one section, grouped. Entries are written for users of the crate: they name
/// the Rust API (`client.calling().recording(call_id)`, `.priority(CallPriority::High)`,
/// `Event::CallTransferred`) with the first sentence of its docs. A new type is not an entry of
/// its own (the entries that use it name it), and a rename spec-diff detects is one entry.
fn entries(d: &SpecDiff, base: &Api, head: &Api) -> String {
    if d.changes.is_empty() {
        return "\nNo change to the API description.\n".to_string();
    }
    // A field added that looks like the rename of a removed one: one entry, under Changed.
    let renamed_away = |c: &Change| {
        c.kind == Kind::FieldRemoved
            && d.changes.iter().any(|a| a.kind == Kind::FieldAdded && a.subject == c.subject && a.was == c.item)
    };
    let mut out = String::new();
    for group in GROUPS {
        let items: Vec<String> = d
            .changes
            .iter()
            .filter(|c| c.kind != Kind::TypeAdded && !renamed_away(c))
            .filter_map(|c| {
                let rename = (c.kind == Kind::FieldAdded && c.was.is_some()).then(|| {
                    d.changes.iter().find(|r| r.kind == Kind::FieldRemoved && r.subject == c.subject && r.item == c.was)
                });
                match rename.flatten() {
                    Some(removed) => (*group == "Changed").then(|| renamed(c, removed, base, head)),
                    None => (group_of(c.kind) == *group).then(|| entry(c, base, head)),
                }
            })
            .collect();
        if items.is_empty() {
            continue;
        }
        let _ = write!(out, "\n### {group}\n\n");
        for item in items {
            out.push_str(&item);
        }
    }
    if out.is_empty() {
        out.push_str("\nNo change to the API description beyond new types, which later entries will name.\n");
    }
    out
}

/// One entry: `- **Breaking** ...` with what to change, or a plain line.
fn entry(c: &Change, base: &Api, head: &Api) -> String {
    let mut text = match rust_api(c, base, head) {
        Some(text) => text,
        None => {
            let mut text = format!("`{}`: {}", c.subject, c.change);
            if let Some(note) = &c.note {
                let _ = write!(text, " ({note})");
            }
            text
        }
    };
    if !text.ends_with('.') {
        text.push('.');
    }
    if c.rust == Bump::Major || c.wire == Wire::Breaking {
        let _ = write!(text, " To upgrade: {}", upgrade(c));
        format!("- **Breaking** ({}): {text}\n", breaks(c))
    } else {
        format!("- {text}\n")
    }
}

/// A field removed and one added that looks like its rename, as one entry.
fn renamed(added: &Change, removed: &Change, base: &Api, head: &Api) -> String {
    let (Some(new), Some(old)) = (added.item.as_deref(), removed.item.as_deref()) else {
        return entry(added, base, head);
    };
    let new_rust = field(head, &added.subject, new).map_or(new, |(_, f)| f.rust.as_str());
    let old_rust = field(base, &removed.subject, old).map_or(old, |(_, f)| f.rust.as_str());
    let ty = rust_name(head, &added.subject);
    let sent = head.type_def(&added.subject).is_some_and(|t| t.roles.sent);
    let verb = if sent { "set" } else { "read" };
    let mut text =
        format!("`{ty}`: {verb} `{new_rust}` instead of `{old_rust}` (the wire key `{new}` replaces `{old}`)");
    if let Some(doc) = field(head, &added.subject, new).map(|(_, f)| summary(&f.doc)) {
        let _ = write!(text, ": {doc}");
    }
    if !text.ends_with('.') {
        text.push('.');
    }
    let both = Change { rust: added.rust.max(removed.rust), wire: added.wire.max(removed.wire), ..removed.clone() };
    let advice = format!("use `{new_rust}` where the code names `{old_rust}`.");
    if both.rust == Bump::Major || both.wire == Wire::Breaking {
        format!("- **Breaking** ({}): {text} To upgrade: {advice}\n", breaks(&both))
    } else {
        format!("- {text}\n")
    }
}

/// The first sentence of spec prose, on one line.
fn summary(text: &str) -> String {
    let first: Vec<&str> = text.trim().lines().map(str::trim).take_while(|l| !l.is_empty()).collect();
    let first = first.join(" ");
    match first.find(". ") {
        Some(i) => first[..=i].to_string(),
        None => first,
    }
}

/// `name: first sentence`, or the name alone when there is no doc.
fn with_doc(name: String, doc: &str) -> String {
    let doc = summary(doc);
    if doc.is_empty() { name } else { format!("{name}: {doc}") }
}

fn endpoint<'a>(api: &'a Api, subject: &str) -> Option<(&'a Resource, &'a Endpoint)> {
    let (r, e) = subject.split_once('.')?;
    let r = api.resources.iter().find(|x| x.name == r)?;
    Some((r, r.endpoints.iter().find(|x| x.name == e)?))
}

/// `client.calling().recording(call_id)`: the method with its arguments' names.
fn call(r: &Resource, e: &Endpoint) -> String {
    let mut args: Vec<&str> = e.path_params.iter().map(|p| p.rust.as_str()).collect();
    args.extend(e.query.iter().filter(|q| !q.optional).map(|q| q.rust.as_str()));
    if e.body.is_some() {
        args.push("body");
    }
    format!("client.{}().{}({})", r.name, e.rust_method, args.join(", "))
}

fn field<'a>(api: &'a Api, ty: &str, wire: &str) -> Option<(&'a TypeDef, &'a generator::ir::Field)> {
    let t = api.type_def(ty)?;
    let TypeKind::Object(fields) = &t.kind else { return None };
    Some((t, fields.iter().find(|f| f.wire == wire)?))
}

fn rust_name(api: &Api, ty: &str) -> String {
    api.type_def(ty).map_or_else(|| ty.to_string(), |t| t.rust.clone())
}

/// How a value of `t` is written in Rust: an enum by its first variant, else its type.
fn value_of(api: &Api, t: &TypeRef) -> String {
    match t {
        TypeRef::Named(n) => match api.type_def(n) {
            Some(TypeDef { kind: TypeKind::Enum(values), rust, .. }) => {
                values.first().map_or_else(|| rust.clone(), |v| format!("{rust}::{}", v.rust))
            }
            Some(def) => def.rust.clone(),
            None => n.clone(),
        },
        TypeRef::String => "String".into(),
        TypeRef::Date => "Date".into(),
        TypeRef::DateTime => "Timestamp".into(),
        TypeRef::Integer => "i64".into(),
        TypeRef::Number => "f64".into(),
        TypeRef::Boolean => "bool".into(),
        TypeRef::Json => "Value".into(),
        TypeRef::File => "Upload".into(),
        TypeRef::List(inner) => format!("Vec<{}>", value_of(api, inner)),
        TypeRef::Map(inner) => format!("BTreeMap<String, {}>", value_of(api, inner)),
    }
}

/// The entry text naming the Rust API a change is about, for the kinds users meet in code;
/// `None` where the spec-diff wording is as good.
fn rust_api(c: &Change, base: &Api, head: &Api) -> Option<String> {
    let item = c.item.as_deref();
    match c.kind {
        Kind::EndpointAdded => {
            let (r, e) = endpoint(head, &c.subject)?;
            Some(with_doc(format!("`{}`", call(r, e)), &e.doc))
        }
        Kind::EndpointRemoved => {
            let (r, e) = endpoint(base, &c.subject)?;
            Some(format!("`{}` is removed", call(r, e)))
        }
        Kind::ParamAdded => {
            let (r, e) = endpoint(head, &c.subject)?;
            let p = e.query.iter().chain(&e.path_params).find(|p| Some(p.wire.as_str()) == item)?;
            if p.optional {
                let setter = format!("`{}.{}({})`", call(r, e), p.rust, value_of(head, &p.ty));
                Some(with_doc(setter, &p.doc))
            } else {
                Some(with_doc(format!("`{}` takes `{}`", call(r, e), p.rust), &p.doc))
            }
        }
        Kind::FieldAdded => {
            let (t, f) = field(head, &c.subject, item?)?;
            let name = if t.roles.sent && f.presence.may_be_absent() {
                format!("`{}` sets `.{}({})`", t.rust, f.rust, value_of(head, &f.ty))
            } else if t.roles.sent {
                format!("`{}::new` takes `{}` (`{}`)", t.rust, f.rust, value_of(head, &f.ty))
            } else {
                format!("`{}.{}` (`{}`)", t.rust, f.rust, value_of(head, &f.ty))
            };
            Some(with_doc(name, &f.doc))
        }
        Kind::FieldRemoved => {
            let (t, f) = field(base, &c.subject, item?)?;
            let mut text = format!("`{}.{}` is removed", t.rust, f.rust);
            if let Some(note) = &c.note {
                let _ = write!(text, " ({note})");
            }
            Some(text)
        }
        Kind::FieldWireRenamed => {
            let (t, f) = field(head, &c.subject, item?)?;
            let was = c.was.as_deref()?;
            let verb = if t.roles.sent { "sent as" } else { "read from" };
            let mut text = format!(
                "`{}.{}` is {verb} the wire key `{}` instead of `{was}`; code using it is unchanged",
                t.rust, f.rust, f.wire
            );
            if let Some(note) = &c.note {
                let _ = write!(text, " ({note})");
            }
            Some(text)
        }
        Kind::EnumValueAdded => {
            let t = head.type_def(&c.subject)?;
            let TypeKind::Enum(values) = &t.kind else { return None };
            let v = values.iter().find(|v| Some(v.wire.as_str()) == item)?;
            Some(with_doc(format!("`{}::{}` (`\"{}\"`)", t.rust, v.rust, v.wire), &v.doc))
        }
        Kind::VariantAdded => {
            let t = head.type_def(&c.subject)?;
            let TypeKind::Tagged(tagged) = &t.kind else { return None };
            let v = tagged.variants.iter().find(|v| Some(v.tag_value.as_str()) == item)?;
            let is_event = head.webhooks.as_ref().is_some_and(|w| w.event == t.name);
            let name = if is_event {
                format!("`webhooks::Event::{}` (webhook event `{}`)", v.rust, v.tag_value)
            } else {
                format!("`{}::{}`", t.rust, v.rust)
            };
            Some(with_doc(name, &v.doc))
        }
        _ => None,
    }
}

/// What breaks: code, deployed integrations, or both.
fn breaks(c: &Change) -> &'static str {
    match (c.rust == Bump::Major, c.wire == Wire::Breaking) {
        (true, true) => "code and wire",
        (true, false) => "code",
        _ => "wire",
    }
}

/// Where a change goes in Keep a Changelog's terms. Documentation holds what only reaches the
/// docs; Fixed holds corrections of where and how requests travel, which the crate applies
/// without code changes.
fn group_of(kind: Kind) -> &'static str {
    use Kind::*;
    match kind {
        BaseUrlAdded | ResourceAdded | EndpointAdded | ParamAdded | BodyAdded | PaginationAdded | TypeAdded
        | ConstructorAdded | FieldAdded | EnumValueAdded | UnionMemberAdded | VariantAdded | WebhooksAdded
        | WebcallAdded => "Added",
        EndpointDeprecated | FieldDeprecated => "Deprecated",
        BaseUrlRemoved | ResourceRemoved | EndpointRemoved | ParamRemoved | BodyRemoved | PaginationRemoved
        | TypeRemoved | ConstructorRemoved | FieldRemoved | EnumValueRemoved | UnionMemberRemoved | VariantRemoved
        | WebhooksRemoved | WebcallRemoved => "Removed",
        BaseUrlChanged
        | EndpointMoved
        | EndpointBaseUrlChanged
        | BodyEncodingChanged
        | FieldFlattenChanged
        | TagChanged => "Fixed",
        ApiVersionChanged | ErrorCaseAdded | ErrorCaseRemoved | ErrorCaseChanged | EndpointErrorAdded
        | EndpointErrorRemoved | ParamDefaultChanged | FieldDefaultChanged | FieldSecretChanged => "Documentation",
        CrateRenamed
        | AuthChanged
        | PaginationSettingsChanged
        | ResourceRenamed
        | EndpointRenamed
        | EndpointUndeprecated
        | ParamRetyped
        | ParamPresenceChanged
        | ParamRenamed
        | ArgumentsReordered
        | BodyRetyped
        | ResponseChanged
        | PaginationChanged
        | RetryChanged
        | PlacesCallsChanged
        | TypeKindChanged
        | TypeRenamed
        | MultipartChanged
        | FieldRetyped
        | FieldPresenceChanged
        | FieldRenamed
        | FieldWireRenamed
        | EnumValueRenamed
        | UnionMemberRetyped
        | UnionMembersReordered
        | VariantRetyped
        | VariantRenamed
        | OpennessChanged
        | WebhookEventChanged
        | WebcallChanged => "Changed",
    }
}

/// What a user of the crate does about a breaking change.
fn upgrade(c: &Change) -> String {
    use Kind::*;
    let s = &c.subject;
    if c.rust != Bump::Major {
        // Only the wire breaks: the new crate does the right thing by itself.
        return format!("update the crate; integrations built on an older version keep the old behaviour for `{s}`.");
    }
    let advice = match c.kind {
        CrateRenamed => "rename the dependency and every `use` of the crate".to_string(),
        AuthChanged => "export the API key under the new environment variable".to_string(),
        BaseUrlRemoved => "stop passing this name to `ClientBuilder::base_url_for`".to_string(),
        ResourceRemoved | EndpointRemoved => format!("remove calls to `{s}`; the spec no longer has it"),
        ResourceRenamed | EndpointRenamed | TypeRenamed | FieldRenamed | EnumValueRenamed | VariantRenamed
        | ParamRenamed => format!("use the new name wherever the code names `{s}`"),
        ParamAdded | BodyAdded => format!("pass the new argument to `{s}`"),
        ParamRemoved | BodyRemoved => format!("drop the removed argument or setter from calls to `{s}`"),
        ParamRetyped | BodyRetyped => format!("pass a value of the new type to `{s}`"),
        ParamPresenceChanged => {
            format!("move the value between the argument list and the setters of `{s}`")
        }
        ArgumentsReordered => format!("reorder the arguments of `{s}` to the new order"),
        ResponseChanged => format!("handle the new output type of `{s}`"),
        PaginationRemoved => format!("replace `.stream()` on `{s}` with `.send()` and page by hand"),
        PaginationChanged => format!("handle the new item type of `{s}`'s `.stream()`"),
        TypeRemoved | ConstructorRemoved | TypeKindChanged | MultipartChanged => {
            format!("rewrite the code that builds or reads `{s}` for its new shape")
        }
        FieldAdded => format!("pass the new argument to `{s}::new`"),
        FieldRemoved => format!("stop reading or setting the removed field of `{s}`"),
        FieldRetyped | FieldPresenceChanged => {
            format!("update code that reads or sets this field of `{s}` to its new type")
        }
        EnumValueRemoved | UnionMemberRemoved | VariantRemoved => {
            format!("remove match arms and values that name the removed variant of `{s}`")
        }
        UnionMemberRetyped | VariantRetyped => {
            format!("update matches on `{s}` to the variant's new payload type")
        }
        OpennessChanged => format!("handle values of `{s}` that no longer decode as `Unknown`"),
        WebhooksRemoved | WebhookEventChanged => "update the webhook handler to the new event type".to_string(),
        WebcallRemoved | WebcallChanged => "update the code that builds the widget options".to_string(),
        _ => format!("update the code that uses `{s}` to the new shape"),
    };
    advice + "."
}

/// The section of a first release: what the crate covers.
fn first_release(api: &generator::ir::Api) -> String {
    let endpoints: usize = api.resources.iter().map(|r| r.endpoints.len()).sum();
    let resources: Vec<String> = api.resources.iter().map(|r| format!("`{}`", r.name)).collect();
    format!(
        "\n### Added\n\n- The first release of `{}` for the {} API ({}): {endpoints} endpoints in {} resources ({}).\n",
        api.name,
        api.title,
        api.api_version,
        resources.len(),
        resources.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(side: &str) -> Vec<generator::SourceFile> {
        let root = crate::repo_root().unwrap();
        crate::spec_diff::read_dir(&root.join("generator/tests/fixtures/diff").join(side)).unwrap()
    }

    fn fixture_diff() -> SpecDiff {
        compare(&fixture("base"), &fixture("head")).unwrap()
    }

    fn load(files: &[generator::SourceFile]) -> Api {
        generator::load(files).unwrap_or_else(|d| panic!("{d}"))
    }

    /// The fixture with `(from, to)` edits applied to its base.
    fn edited(edits: &[(&str, &str)]) -> Vec<generator::SourceFile> {
        let mut files = fixture("base");
        for (from, to) in edits {
            let hits: usize = files.iter().map(|f| f.text.matches(from).count()).sum();
            assert_eq!(hits, 1, "edit anchor must occur exactly once: {from:?}");
            for f in &mut files {
                f.text = f.text.replacen(from, to, 1);
            }
        }
        files
    }

    fn entries_between(base: &[generator::SourceFile], head: &[generator::SourceFile]) -> String {
        section(base, head, &load(head)).unwrap()
    }

    #[test]
    fn arguments() {
        assert_eq!(parse(&[]).unwrap(), Options::default());
        assert_eq!(
            parse(&["--check", "--base", "v0.1.0"]).unwrap(),
            Options { check: true, base: Some("v0.1.0".into()) }
        );
        assert_eq!(parse(&["--base=abc"]).unwrap().base.as_deref(), Some("abc"));
        assert!(parse(&["--base"]).unwrap_err().contains("needs a revision"));
        assert!(parse(&["--bse", "x"]).unwrap_err().contains("unknown argument `--bse`"));
    }

    #[test]
    fn entries_are_grouped_and_breaking_ones_say_what_to_change() {
        let d = fixture_diff();
        let text = entries_between(&fixture("base"), &fixture("head"));
        let headings: Vec<&str> = text.lines().filter(|l| l.starts_with("### ")).collect();
        let mut expected: Vec<String> = Vec::new();
        for group in GROUPS {
            if d.changes.iter().any(|c| c.kind != Kind::TypeAdded && group_of(c.kind) == *group) {
                expected.push(format!("### {group}"));
            }
        }
        assert_eq!(headings, expected, "{text}");
        for line in text.lines().filter(|l| l.starts_with("- **Breaking**")) {
            assert!(line.contains("To upgrade: "), "{line}");
        }
        assert!(text.contains("- **Breaking** (wire): `orders.get`: moved"), "{text}");
        // Pinned: the whole section, as users read it (UPDATE_EXPECT=1 rewrites it).
        let path = crate::repo_root().unwrap().join("generator/tests/fixtures/diff/changelog.md");
        if std::env::var_os("UPDATE_EXPECT").is_some() {
            std::fs::write(&path, &text).unwrap();
        }
        let pinned = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, pinned, "the changelog of the diff fixture changed; UPDATE_EXPECT=1 rewrites it");
    }

    /// The three changes of a first week: a new endpoint with a new response type, a new optional
    /// enum field on a body plus a new webhook event, and a response field renamed on the wire.
    #[test]
    fn entries_name_the_rust_api_with_its_docs() {
        const CANCEL: &str = "      cancel:\n        doc: Cancel an order.\n";
        const STATUS: &str = "      status: { type: OrderStatus, optional: true, doc: Initial status. }\n";
        const NOTE: &str = "      note: { type: string, optional: true, doc: Free text. }\n";
        const PING: &str = "      ping: { doc: A test delivery. }\n";
        let receipt =
            "  Receipt:\n    doc: A receipt.\n    fields:\n      total: { type: integer, doc: Total. }\n\n  Order:\n";
        let head = edited(&[
            (
                CANCEL,
                &format!(
                    "      receipt:\n        doc: The receipt of an order. Only for paid orders.\n        method: GET\n        path: /orders/{{id}}/receipt\n        path_params:\n          id: {{ type: string, doc: Order id. }}\n        response: {{ type: Receipt }}\n{CANCEL}"
                ),
            ),
            ("  Order:\n", receipt),
            (
                STATUS,
                &format!("{STATUS}      priority: {{ type: OrderStatus, optional: true, doc: How urgent it is. }}\n"),
            ),
            (PING, &format!("{PING}      order_paid: {{ doc: An order was paid. }}\n")),
            (NOTE, "      remark: { type: string, optional: true, rust_name: note, doc: Free text. }\n"),
        ]);
        let text = entries_between(&edited(&[]), &head);
        assert!(text.contains("- `client.orders().receipt(id)`: The receipt of an order.\n"), "{text}");
        assert!(!text.contains("Receipt`: object added"), "no filler for the new type: {text}");
        assert!(text.contains("- `NewOrder` sets `.priority(OrderStatus::Open)`: How urgent it is.\n"), "{text}");
        assert!(
            text.contains("`webhooks::Event::OrderPaid` (webhook event `order_paid`): An order was paid."),
            "{text}"
        );
        assert!(
            text.contains(
                "`Order.note` is read from the wire key `remark` instead of `note`; code using it is unchanged"
            ),
            "{text}"
        );
        // A rename spec-diff detects is one entry, not a removal and an addition.
        let head = edited(&[(NOTE, "      remark: { type: string, optional: true, doc: Free text. }\n")]);
        let text = entries_between(&edited(&[]), &head);
        let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("- ")).collect();
        assert_eq!(lines.len(), 1, "{text}");
        assert!(
            lines[0].contains("`Order`: read `remark` instead of `note` (the wire key `remark` replaces `note`)"),
            "{text}"
        );
        assert!(text.contains("### Changed") && !text.contains("### Removed"), "{text}");
    }

    #[test]
    fn splicing_replaces_the_own_section_and_keeps_the_rest() {
        let older = "## [0.1.0] - 2026-01-01\n\n### Added\n\n- First.\n";
        let empty = splice("", "0.1.0", older);
        assert!(empty.starts_with(PREAMBLE), "{empty}");
        assert!(empty.ends_with(older), "{empty}");
        let section = "## [0.2.0] - 2026-02-01\n\n### Removed\n\n- Gone.\n";
        let once = splice(&empty, "0.2.0", section);
        assert_eq!(once, format!("{PREAMBLE}\n{section}\n{older}"));
        assert_eq!(splice(&once, "0.2.0", section), once, "idempotent");
        let revised = "## [0.2.0] - 2026-02-01\n\n### Added\n\n- New.\n";
        assert_eq!(splice(&once, "0.2.0", revised), format!("{PREAMBLE}\n{revised}\n{older}"));
        assert_eq!(section_date(&once, "0.2.0").as_deref(), Some("2026-02-01"));
        assert_eq!(section_date(&once, "0.3.0"), None);
    }

    /// A scratch git repository on `main` holding the diff fixture's spec; removed on drop.
    struct Repo(std::path::PathBuf);

    impl Repo {
        fn new(name: &str) -> Repo {
            let dir = std::env::temp_dir().join(format!("ringg-changelog-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(dir.join("spec")).unwrap();
            std::fs::create_dir_all(dir.join("generated")).unwrap();
            let repo = Repo(dir);
            repo.git(&["init", "-q", "-b", "main"]);
            repo
        }

        fn git(&self, args: &[&str]) {
            let id =
                ["-c", "user.name=Changelog Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"];
            let status = std::process::Command::new("git")
                .arg("-C")
                .arg(&self.0)
                .args(id)
                .args(args)
                .env_remove("GIT_DIR")
                .env_remove("GIT_WORK_TREE")
                .env_remove("GIT_INDEX_FILE")
                .status()
                .unwrap();
            assert!(status.success(), "git {args:?}");
        }

        /// Writes the fixture's `side` spec with `api.version` set to `version` and `edits`
        /// applied, and commits it with whatever else changed.
        fn commit(&self, side: &str, version: &str, edits: &[(&str, &str)]) {
            let from = crate::repo_root().unwrap().join("generator/tests/fixtures/diff").join(side);
            for entry in std::fs::read_dir(from).unwrap() {
                let entry = entry.unwrap();
                let mut text = std::fs::read_to_string(entry.path())
                    .unwrap()
                    .replace("version: 0.1.0", &format!("version: {version}"))
                    .replace("version: 0.1.1", &format!("version: {version}"));
                for (a, b) in edits {
                    text = text.replace(a, b);
                }
                std::fs::write(self.0.join("spec").join(entry.file_name()), text).unwrap();
            }
            self.git(&["add", "-A"]);
            self.git(&["commit", "-q", "-m", version]);
        }

        fn changelog(&self) -> String {
            std::fs::read_to_string(self.0.join(PATH)).unwrap()
        }

        fn commit_changelog(&self) {
            self.git(&["add", "-A"]);
            self.git(&["commit", "-q", "-m", "changelog"]);
        }
    }

    impl Drop for Repo {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    const GIFT: &str = "      gift: { type: boolean, optional: true, default: false, doc: Gift-wrap it. }\n";
    const WRAP: &str = "      wrap: { type: string, optional: true, doc: Wrapping paper. }\n";

    #[test]
    fn both_tools_take_the_previous_release_from_main_without_tags() {
        let repo = Repo::new("main");
        // The first release, on main, with no tag anywhere.
        repo.commit("base", "0.1.0", &[]);
        run(&repo.0, &[]).unwrap();
        let first = repo.changelog();
        assert!(first.contains(&format!("## [0.1.0] - {}", today())), "dated the day it is cut: {first}");
        assert!(first.contains("The first release of `shop`"), "{first}");
        repo.commit_changelog();
        run(&repo.0, &["--check"]).unwrap();

        // A breaking change on a branch, bumped: the section is against main, not a first release.
        repo.git(&["checkout", "-q", "-b", "feature"]);
        repo.commit("head", "0.2.0", &[]);
        assert_eq!(previous_release(&repo.0, "0.2.0").unwrap().map(|r| r.version).as_deref(), Some("0.1.0"));
        let err = run(&repo.0, &["--check"]).unwrap_err();
        assert!(err.contains("stale: generated/CHANGELOG.md") && err.contains("cargo xtask changelog"), "{err}");
        assert_eq!(repo.changelog(), first, "a failed check writes nothing");
        run(&repo.0, &[]).unwrap();
        let second = repo.changelog();
        let top = second.find("## [0.2.0]").expect("a new section");
        assert!(top < second.find("## [0.1.0]").unwrap(), "newest on top");
        assert!(second.contains("- **Breaking** (wire): `orders.get`: moved"), "{second}");
        assert!(second.ends_with(&first[first.find("## [0.1.0]").unwrap()..]), "the old section is kept");
        run(&repo.0, &[]).unwrap();
        assert_eq!(repo.changelog(), second, "running twice changes nothing");
        run(&repo.0, &["--check"]).unwrap();
        // spec-diff compares with the same release and finds the bump made.
        assert_eq!(crate::spec_diff::run(&repo.0, &["--format", "json"]).unwrap(), crate::spec_diff::Verdict::Ok);
        repo.commit_changelog();

        // Merged, not tagged: on main the released section is kept as it is, and CI's check passes.
        repo.git(&["checkout", "-q", "main"]);
        repo.git(&["merge", "-q", "--no-ff", "-m", "merge 0.2.0", "feature"]);
        run(&repo.0, &["--check"]).unwrap();
        assert_eq!(previous_release(&repo.0, "0.2.0").unwrap().map(|r| r.version).as_deref(), Some("0.1.0"));

        // A change on top of the released 0.2.0 without a bump: both tools refuse.
        repo.git(&["checkout", "-q", "-b", "next"]);
        repo.commit("head", "0.2.0", &[(GIFT, &format!("{GIFT}{WRAP}"))]);
        let err = run(&repo.0, &["--check"]).unwrap_err();
        assert!(err.contains("0.2.0 is already released") && err.contains("bump api.version"), "{err}");
        let crate::spec_diff::Verdict::BumpNeeded(message) = crate::spec_diff::run(&repo.0, &[]).unwrap() else {
            panic!("spec-diff must ask for the bump")
        };
        assert!(message.contains("`version: 0.2.1`"), "{message}");

        // Bumped to 0.2.1: the new section holds the new field only, not 0.2.0's entries again.
        repo.commit("head", "0.2.1", &[(GIFT, &format!("{GIFT}{WRAP}"))]);
        assert_eq!(crate::spec_diff::run(&repo.0, &[]).unwrap(), crate::spec_diff::Verdict::Ok);
        run(&repo.0, &[]).unwrap();
        let third = repo.changelog();
        let section = &third[third.find("## [0.2.1]").unwrap()..third.find("## [0.2.0]").unwrap()];
        let entries: Vec<&str> = section.lines().filter(|l| l.starts_with("- ")).collect();
        assert_eq!(entries.len(), 1, "{section}");
        assert!(entries[0].contains("wrap"), "{section}");
        assert!(third.ends_with(&second[second.find("## [0.2.0]").unwrap()..]), "released sections are kept");
    }

    #[test]
    fn a_released_section_that_is_missing_is_written_against_the_release_before_it() {
        let repo = Repo::new("missing");
        repo.commit("base", "0.1.0", &[]);
        repo.commit("head", "0.2.0", &[]);
        // On main, 0.2.0 released without a changelog: the release before it is the state of
        // main before the commit that set 0.2.0.
        let release = previous_release(&repo.0, "0.2.0").unwrap().expect("0.1.0 was released");
        assert_eq!(release.version, "0.1.0");
        assert!(
            release.label.contains("before") && release.label.contains("set api.version to 0.2.0"),
            "{}",
            release.label
        );
        run(&repo.0, &[]).unwrap();
        let text = repo.changelog();
        assert!(text.contains("## [0.2.0]") && text.contains("`orders.get`: moved"), "{text}");
        assert!(!text.contains("first release"), "{text}");
        // A tag is named when there is one; it is not needed.
        repo.git(&["tag", "v0.1.0", "HEAD~1"]);
        let release = previous_release(&repo.0, "0.2.0").unwrap().unwrap();
        assert!(release.label.contains("(tag v0.1.0)"), "{}", release.label);
    }

    #[test]
    fn dates_are_civil_days() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(20_000), "2024-10-04");
        assert_eq!(civil_date(11_016), "2000-02-29");
        assert_eq!(today().len(), 10);
    }

    #[test]
    fn every_kind_has_a_group_and_breaking_advice() {
        for c in &fixture_diff().changes {
            assert!(GROUPS.contains(&group_of(c.kind)));
            assert!(upgrade(c).ends_with('.'), "{}", upgrade(c));
        }
    }
}
