//! `cargo xtask semver-probes`: proves spec-diff's Rust verdicts with the compiler.
//!
//! For each spec mutation (one or more per diff rule, on the spec-diff test fixture), this task
//! generates the crate before and after, emits a probe crate from the *old* crate's public API
//! (`generator::probe`), and runs `cargo check` on every probe against the *new* crate, all in one
//! cargo workspace with one shared target folder. A probe must fail to compile exactly when
//! spec-diff says `major`; the few majors that are about behaviour rather than compilation are
//! listed with the reason, and their probes must compile. Each probe is also checked against its
//! own base crate, so a probe that could never compile proves nothing.
//!
//! The workspace lives in `<target>/semver-probes/`; its target folder persists, so only the first
//! run checks the crate's dependencies.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use generator::SourceFile;
use generator::diff::{Bump, diff};

/// One spec change and the rule it exercises.
struct Mutation {
    /// The spec-diff rule (kind id) it exercises.
    rule: &'static str,
    /// What the mutation does, for the table.
    what: &'static str,
    /// Edits making the old spec from the fixture (usually none).
    base: Vec<(String, String)>,
    /// Edits making the new spec from the fixture.
    head: Vec<(String, String)>,
    /// Why a `major` verdict compiles: the change breaks behaviour, not code.
    behaviour: Option<&'static str>,
}

fn edits(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

/// The change from the fixture to the fixture with `head` applied.
fn after(rule: &'static str, what: &'static str, head: &[(&str, &str)]) -> Mutation {
    Mutation { rule, what, base: Vec::new(), head: edits(head), behaviour: None }
}

/// The change from the fixture with `base` applied to the fixture with `head` applied.
fn between(rule: &'static str, what: &'static str, base: &[(&str, &str)], head: &[(&str, &str)]) -> Mutation {
    Mutation { rule, what, base: edits(base), head: edits(head), behaviour: None }
}

// Anchors in `generator/tests/fixtures/diff/base/`.
const CANCEL: &str = "      cancel:\n        doc: Cancel an order.\n        method: DELETE\n        path: /orders/{id}\n        path_params:\n          id: { type: string, doc: Order id. }\n";
const GET_RESPONSE: &str = "        response: { type: Order }\n        errors:\n          \"404\": No such order.\n";
const DRY_RUN: &str =
    "          dry_run: { type: boolean, optional: true, doc: Check the order without placing it. }\n";
const CREATE_BODY: &str = "        body: { type: NewOrder, encoding: json }\n";
const PAGINATED: &str = "        paginated: { items: orders, total: count }\n";
const STATS: &str = "        path: /orders/stats\n";
const ORDER_NOTE: &str = "      note: { type: string, optional: true, doc: Free text. }\n";
const NEW_ORDER_GIFT: &str = "      gift: { type: boolean, optional: true, doc: Gift-wrap it. }\n";
const QUERY_TEXT: &str = "      text: { type: string, optional: true, doc: Words to match. }\n";
const PING: &str = "      ping: { doc: A test delivery. }\n";
const HOOKS: &str = "webhooks:\n  doc: What the shop posts to your endpoint.\n  event: Event\n";
const FILES_URL: &str = "    files: https://files.example.com/v1\n";
const STATUS_SHIPPED: &str = "      shipped: On its way.\n";
const AMOUNT_TEXT: &str = "      Text: { type: string, doc: A word. }\n";
const CASH: &str = "      cash: { doc: In cash. }\n";

/// One mutation or more for every rule that can be major or minor.
fn mutations() -> Vec<Mutation> {
    let refund = format!(
        "{CANCEL}      refund:\n        doc: Refund an order.\n        method: POST\n        path: /orders/{{id}}/refund\n        path_params:\n          id: {{ type: string, doc: Order id. }}\n"
    );
    let customers = "resources:\n  customers:\n    doc: Customers.\n    endpoints:\n      get:\n        doc: One customer.\n        method: GET\n        path: /customers/{id}\n        path_params:\n          id: { type: string, doc: Customer id. }\n\ntypes:\n  Carrier:";
    let pay = format!(
        "{CANCEL}      pay:\n        doc: Pay an order.\n        method: POST\n        path: /orders/{{id}}/pay\n        path_params:\n          id: {{ type: string, doc: Order id. }}\n        body: {{ type: Card, encoding: json }}\n"
    );
    let other_event = "  Other:\n    doc: Another event.\n    tag: type\n    open: true\n    variants:\n      hello: { doc: A greeting. }\n\n  Event:\n";
    let deprecated = format!("        deprecated: {{ replacement: orders.list, doc: Use the list. }}\n{GET_RESPONSE}");
    let stats_query =
        format!("{STATS}        query:\n          shop: {{ type: string, optional: true, doc: One shop. }}\n");
    let stats_paged = format!(
        "{STATS}        query:\n          limit: {{ type: integer, optional: true, doc: Page size. }}\n          offset: {{ type: integer, optional: true, doc: Items to skip. }}\n        paginated: {{ items: orders }}\n"
    );
    let stats_page_response = (
        "        path: /orders/stats\n        response: { type: Amount }\n",
        "        path: /orders/stats\n        response: { type: OrderPage }\n",
    );
    let two = |a: &str, b: &str| {
        format!("{DRY_RUN}          {a}: {{ type: string, doc: A. }}\n          {b}: {{ type: string, doc: B. }}\n")
    };
    let (store_till, till_store) = (two("store", "till"), two("till", "store"));
    let coupon =
        "  Coupon:\n    doc: A coupon.\n    fields:\n      code: { type: string, doc: The code. }\n\n  Order:\n";
    let carrier_enum = "  Carrier:\n    doc: Who delivers a parcel.\n    enum:\n      ups: UPS.\n      dhl: DHL.\n";
    let carrier_object =
        "  Carrier:\n    doc: Who delivers a parcel.\n    fields:\n      name: { type: string, doc: Name. }\n";
    let widget = "  WidgetOptions:\n    doc: Widget options.\n    fields:\n      agent: { type: string, doc: Agent id. }\n\n  Shipped:\n";
    let webcall = "webcall:\n  doc: The widget.\n  options: WidgetOptions\n  script_url: https://cdn.example.com/{version}/w.js\n  style_url: https://cdn.example.com/{version}/style.css\n  default_version: latest\n\ntypes:\n  Carrier:";
    let widget2 = "  WidgetOptions:\n    doc: Widget options.\n    fields:\n      agent: { type: string, doc: Agent id. }\n\n  WidgetOptions2:\n    doc: Other widget options.\n    fields:\n      agent: { type: string, doc: Agent id. }\n\n  Shipped:\n";
    let webcall2 = webcall.replace("options: WidgetOptions\n", "options: WidgetOptions2\n");

    let mut list = vec![
        // API-wide.
        Mutation {
            behaviour: Some("`base_url_for(\"files\", ..)` still compiles and fails at `build()`"),
            ..after("base-url-removed", "base URL `files` removed", &[(FILES_URL, "")])
        },
        after(
            "base-url-added",
            "base URL `eu` added",
            &[(FILES_URL, &format!("{FILES_URL}    eu: https://eu.example.com/v1\n"))],
        ),
        Mutation {
            behaviour: Some("`Client::from_env()` compiles and reads another variable"),
            ..after("auth-changed", "API key variable renamed", &[("env: SHOP_API_KEY", "env: SHOP_KEY")])
        },
        after("crate-renamed", "crate renamed to `store`", &[("  name: shop\n", "  name: store\n")]),
        // Resources and endpoints.
        after("resource-added", "resource `customers` added", &[("types:\n  Carrier:", customers)]),
        between("resource-removed", "resource `customers` removed", &[("types:\n  Carrier:", customers)], &[]),
        after("endpoint-added", "endpoint `orders.refund` added", &[(CANCEL, &refund)]),
        after("endpoint-removed", "endpoint `orders.cancel` removed", &[(CANCEL, "")]),
        after("endpoint-renamed", "`orders.cancel` renamed `orders.delete`", &[("      cancel:\n", "      delete:\n")]),
        after("endpoint-deprecated", "`orders.get` deprecated", &[(GET_RESPONSE, &deprecated)]),
        // Parameters.
        after("param-added", "optional query parameter on an endpoint without inputs", &[(STATS, &stats_query)]),
        after(
            "param-added",
            "optional query parameter next to others",
            &[(DRY_RUN, &format!("{DRY_RUN}          note: {{ type: string, optional: true, doc: A note. }}\n"))],
        ),
        after(
            "param-added",
            "required query parameter",
            &[(DRY_RUN, &format!("{DRY_RUN}          store: {{ type: string, doc: Store id. }}\n"))],
        ),
        after("param-removed", "query parameter removed", &[(&format!("        query:\n{DRY_RUN}"), "")]),
        after(
            "param-retyped",
            "query parameter boolean → string",
            &[("dry_run: { type: boolean,", "dry_run: { type: string,")],
        ),
        after(
            "param-presence-changed",
            "query parameter made required",
            &[("dry_run: { type: boolean, optional: true,", "dry_run: { type: boolean,")],
        ),
        between(
            "param-presence-changed",
            "query parameter made optional",
            &[("dry_run: { type: boolean, optional: true,", "dry_run: { type: boolean,")],
            &[],
        ),
        after(
            "param-renamed",
            "optional query parameter's Rust name",
            &[(
                "dry_run: { type: boolean, optional: true,",
                "dry_run: { type: boolean, optional: true, rust_name: check_only,",
            )],
        ),
        Mutation {
            behaviour: Some("both arguments are strings: old calls compile and send each value as the other"),
            ..between(
                "arguments-reordered",
                "required string query parameters swapped",
                &[(DRY_RUN, &store_till)],
                &[(DRY_RUN, &till_store)],
            )
        },
        between(
            "arguments-reordered",
            "required query parameters of different types swapped",
            &[(
                DRY_RUN,
                &format!(
                    "{DRY_RUN}          store: {{ type: string, doc: A. }}\n          till: {{ type: integer, doc: B. }}\n"
                ),
            )],
            &[(
                DRY_RUN,
                &format!(
                    "{DRY_RUN}          till: {{ type: integer, doc: B. }}\n          store: {{ type: string, doc: A. }}\n"
                ),
            )],
        ),
        // Bodies and responses.
        after(
            "body-added",
            "body added to `orders.cancel`",
            &[(CANCEL, &format!("{CANCEL}        body: {{ type: NewOrder, encoding: json }}\n"))],
        ),
        after("body-removed", "body removed from `orders.create`", &[(CREATE_BODY, "")]),
        after(
            "body-retyped",
            "body `NewOrder` → `Order`",
            &[(CREATE_BODY, "        body: { type: Order, encoding: json }\n")],
        ),
        after(
            "response-changed",
            "empty response → `Order`",
            &[(CANCEL, &format!("{CANCEL}        response: {{ type: Order }}\n"))],
        ),
        after(
            "response-changed",
            "response `Order` → `NewOrder`",
            &[(
                GET_RESPONSE,
                "        response: { type: NewOrder }\n        errors:\n          \"404\": No such order.\n",
            )],
        ),
        // Pagination.
        between("pagination-added", "`orders.list` becomes paginated", &[(PAGINATED, "")], &[]),
        between(
            "pagination-added",
            "pagination added to an endpoint without inputs",
            &[stats_page_response],
            &[stats_page_response, (STATS, &stats_paged)],
        ),
        after("pagination-removed", "`orders.list` no longer paginated", &[(PAGINATED, "")]),
        between(
            "pagination-changed",
            "page items `Order` → `NewOrder`",
            &[],
            &[(
                "      orders: { type: list<Order>, doc: The orders. }\n",
                "      orders: { type: list<NewOrder>, doc: The orders. }\n",
            )],
        ),
        // Types.
        after("type-added", "type `Coupon` added", &[("  Order:\n", coupon)]),
        between("type-removed", "type `Coupon` removed", &[("  Order:\n", coupon)], &[]),
        after("type-kind-changed", "`Carrier` enum → object", &[(carrier_enum, carrier_object)]),
        after("constructor-added", "`Card` becomes a request body (of a new endpoint)", &[(CANCEL, &pay)]),
        after("constructor-removed", "`NewOrder` no longer a request body", &[(CREATE_BODY, "")]),
        after(
            "multipart-changed",
            "`NewOrder` becomes a multipart form",
            &[(CREATE_BODY, "        body: { type: NewOrder, encoding: multipart }\n")],
        ),
        between(
            "multipart-changed",
            "`NewOrder` no longer a multipart form",
            &[(CREATE_BODY, "        body: { type: NewOrder, encoding: multipart }\n")],
            &[],
        ),
        // Fields.
        after(
            "field-added",
            "optional response field",
            &[(ORDER_NOTE, &format!("{ORDER_NOTE}      tag: {{ type: string, optional: true, doc: A tag. }}\n"))],
        ),
        after(
            "field-added",
            "required response field",
            &[(ORDER_NOTE, &format!("{ORDER_NOTE}      tag: {{ type: string, doc: A tag. }}\n"))],
        ),
        after(
            "field-added",
            "optional request field",
            &[(
                NEW_ORDER_GIFT,
                &format!("{NEW_ORDER_GIFT}      memo: {{ type: string, optional: true, doc: A memo. }}\n"),
            )],
        ),
        after(
            "field-added",
            "required request field",
            &[(NEW_ORDER_GIFT, &format!("{NEW_ORDER_GIFT}      store: {{ type: string, doc: Store id. }}\n"))],
        ),
        after(
            "field-added",
            "required field on an all-optional request type (loses `Default`)",
            &[(QUERY_TEXT, &format!("{QUERY_TEXT}      shop: {{ type: string, doc: One shop. }}\n"))],
        ),
        after("field-removed", "optional response field removed", &[(ORDER_NOTE, "")]),
        after(
            "field-retyped",
            "response field integer → number",
            &[("total: { type: integer,", "total: { type: number,")],
        ),
        after(
            "field-presence-changed",
            "request field made required",
            &[(NEW_ORDER_GIFT, "      gift: { type: boolean, doc: Gift-wrap it. }\n")],
        ),
        after(
            "field-presence-changed",
            "request field made optional",
            &[("sku: { type: string, doc:", "sku: { type: string, optional: true, doc:")],
        ),
        after(
            "field-renamed",
            "field's Rust name",
            &[(ORDER_NOTE, "      note: { type: string, optional: true, rust_name: remark, doc: Free text. }\n")],
        ),
        after(
            "arguments-reordered",
            "`new` arguments reordered",
            &[(
                "      sku: { type: string, doc: Product code. }\n      quantity: { type: integer, doc: How many. }\n",
                "      quantity: { type: integer, doc: How many. }\n      sku: { type: string, doc: Product code. }\n",
            )],
        ),
        // Enums, unions, tagged unions.
        after(
            "enum-value-added",
            "enum value `refunded` added",
            &[(STATUS_SHIPPED, &format!("{STATUS_SHIPPED}      refunded: Money returned.\n"))],
        ),
        after("enum-value-removed", "enum value `shipped` removed", &[(STATUS_SHIPPED, "")]),
        after(
            "union-member-added",
            "union member `Many` added",
            &[(AMOUNT_TEXT, &format!("{AMOUNT_TEXT}      Many: {{ type: boolean, doc: A flag. }}\n"))],
        ),
        after("union-member-removed", "union member `Text` removed", &[(AMOUNT_TEXT, "")]),
        after(
            "union-member-retyped",
            "union member list<string> → list<integer>",
            &[("Items: { type: list<string>,", "Items: { type: list<integer>,")],
        ),
        after(
            "variant-added",
            "variant `voucher` added to a closed union",
            &[(CASH, &format!("{CASH}      voucher: {{ doc: With a voucher. }}\n"))],
        ),
        after(
            "variant-added",
            "webhook event added",
            &[(PING, &format!("{PING}      order_paid: {{ type: Shipped, doc: An order was paid. }}\n"))],
        ),
        after("variant-removed", "webhook event `ping` removed", &[(PING, "")]),
        after(
            "variant-retyped",
            "event `ping` gains a payload",
            &[(PING, "      ping: { type: Shipped, doc: A test delivery. }\n")],
        ),
        after(
            "variant-renamed",
            "event variant's Rust name",
            &[(PING, "      ping: { doc: A test delivery., rust_name: Heartbeat }\n")],
        ),
        after("openness-changed", "`Payment` opened", &[("    tag: method\n", "    tag: method\n    open: true\n")]),
        between(
            "openness-changed",
            "`Payment` closed",
            &[("    tag: method\n", "    tag: method\n    open: true\n")],
            &[],
        ),
        // Webhooks and the widget.
        between("webhooks-added", "webhooks added", &[(HOOKS, "")], &[]),
        after("webhooks-removed", "webhooks removed", &[(HOOKS, "")]),
        between(
            "webhook-event-changed",
            "webhook event type `Event` → `Other`",
            &[("  Event:\n", other_event)],
            &[("  Event:\n", other_event), ("  event: Event\n", "  event: Other\n")],
        ),
        between(
            "webcall-added",
            "web-call widget added",
            &[],
            &[("  Shipped:\n", widget), ("types:\n  Carrier:", webcall)],
        ),
        between(
            "webcall-removed",
            "web-call widget removed",
            &[("  Shipped:\n", widget), ("types:\n  Carrier:", webcall)],
            &[],
        ),
        between(
            "webcall-changed",
            "widget options type changed",
            &[("  Shipped:\n", widget2), ("types:\n  Carrier:", webcall)],
            &[("  Shipped:\n", widget2), ("types:\n  Carrier:", &webcall2)],
        ),
        // Patch-level rules: the probe must compile.
        after(
            "endpoint-moved",
            "`orders.cancel` moved to POST …/cancel",
            &[("method: DELETE\n        path: /orders/{id}\n", "method: POST\n        path: /orders/{id}/cancel\n")],
        ),
        between(
            "param-retyped",
            "query parameter date → string (the same Rust type)",
            &[("dry_run: { type: boolean,", "dry_run: { type: date,")],
            &[("dry_run: { type: boolean,", "dry_run: { type: string,")],
        ),
        after(
            "field-secret-changed",
            "field made secret",
            &[("coupon: { type: string, nullable: true,", "coupon: { type: string, nullable: true, secret: true,")],
        ),
        after(
            "field-deprecated",
            "field deprecated",
            &[(
                ORDER_NOTE,
                "      note: { type: string, optional: true, deprecated: Use comments., doc: Free text. }\n",
            )],
        ),
        after(
            "field-wire-renamed",
            "response key `note` → `remark`, Rust name kept",
            &[(ORDER_NOTE, "      remark: { type: string, optional: true, rust_name: note, doc: Free text. }\n")],
        ),
        after(
            "union-members-reordered",
            "union members reordered",
            &[(
                "      Count: { type: integer, doc: An exact count. }\n      Text: { type: string, doc: A word. }\n",
                "      Text: { type: string, doc: A word. }\n      Count: { type: integer, doc: An exact count. }\n",
            )],
        ),
        after("tag-changed", "tag field `type` → `kind`", &[("    tag: type\n", "    tag: kind\n")]),
        after(
            "retry-changed",
            "`orders.cancel` made unsafe to retry",
            &[(CANCEL, &format!("{CANCEL}        retry: unsafe\n"))],
        ),
    ];
    list.sort_by_key(|m| m.rule);
    list
}

/// The fixture with `edits` applied; each anchor must occur exactly once.
fn edited(fixture: &[SourceFile], edits: &[(String, String)]) -> Result<Vec<SourceFile>, String> {
    let mut files = fixture.to_vec();
    for (from, to) in edits {
        let hits: usize = files.iter().map(|f| f.text.matches(from.as_str()).count()).sum();
        if hits != 1 {
            return Err(format!("edit anchor occurs {hits} times in the fixture: {from:?}"));
        }
        for f in &mut files {
            f.text = f.text.replacen(from.as_str(), to, 1);
        }
    }
    Ok(files)
}

/// A generated crate written to `dir`, its package renamed `package` (one workspace holds many)
/// and, with `lib`, its library still named `lib`. Its tests are written only with `lib`.
pub(crate) fn write_crate(
    dir: &Path,
    spec: &[SourceFile],
    runtime: &[SourceFile],
    package: &str,
    lib: Option<&str>,
) -> Result<Vec<generator::GeneratedFile>, String> {
    let files = generator::generate(spec).map_err(|d| format!("the spec does not generate:\n{d}"))?;
    for f in runtime {
        let path = dir.join(&f.path);
        std::fs::create_dir_all(path.parent().expect("a file has a folder")).map_err(|e| e.to_string())?;
        std::fs::write(&path, &f.text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    for f in &files {
        let Some(rel) = f.path.strip_prefix("generated/") else { continue };
        // The emulator and CLI crates are not part of a client crate (and their cores are the
        // Ringg crates' own).
        let other_crate = rel.starts_with("emulator/") || rel.starts_with("cli/");
        if (rel.starts_with("tests/") && lib.is_none()) || rel == "openapi.yaml" || other_crate {
            continue;
        }
        let mut contents = f.contents.clone();
        if rel == "Cargo.toml" {
            let line = contents.lines().find(|l| l.starts_with("name = ")).ok_or("Cargo.toml has no name")?.to_string();
            contents = contents.replacen(&line, &format!("name = \"{package}\""), 1);
            if let Some(lib) = lib {
                contents.push_str(&format!("\n[lib]\nname = \"{lib}\"\n"));
            }
        }
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().expect("a file has a folder")).map_err(|e| e.to_string())?;
        std::fs::write(&path, contents).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(files)
}

/// A probe package at `dir` using `krate` (the old crate's name) from `package` at `dep`.
fn write_probe(dir: &Path, name: &str, krate: &str, package: &str, dep: &Path, lib: &str) -> Result<(), String> {
    std::fs::create_dir_all(dir.join("src")).map_err(|e| e.to_string())?;
    let manifest = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\n{krate} = {{ package = \"{package}\", path = \"{}\", features = [\"blocking\"] }}\nserde = \"1\"\nserde_json = \"1\"\n",
        dep.display()
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("src/lib.rs"), lib).map_err(|e| e.to_string())
}

/// The workspace's target folder: where this binary was built (`<target>/<profile>/xtask`).
pub(crate) fn target_root() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot locate the xtask binary: {e}"))?;
    exe.ancestors().nth(2).map(Path::to_path_buf).ok_or_else(|| "the xtask binary is not in a target folder".into())
}

/// One row of the result.
struct Row {
    rule: &'static str,
    what: &'static str,
    verdict: Bump,
    behaviour: Option<&'static str>,
    compiles: Option<bool>,
    error: Option<String>,
}

impl Row {
    /// The probe agrees with the verdict.
    fn agrees(&self) -> bool {
        matches!(
            (self.compiles, self.verdict, self.behaviour),
            (Some(false), Bump::Major, None)
                | (Some(true), Bump::Major, Some(_))
                | (Some(true), Bump::Minor | Bump::Patch, _)
        )
    }
}

/// `cargo xtask semver-probes`.
pub fn run(root: &Path) -> Result<(), String> {
    let started = Instant::now();
    let fixture = generator::files::read_spec_dir(&root.join("generator/tests/fixtures/diff/base"))?;
    let runtime = generator::files::read_runtime(root, &generator::load(&fixture).map_err(|d| d.to_string())?.name)?;
    let work = target_root()?.join("semver-probes");
    let ws = work.join("ws");
    let _ = std::fs::remove_dir_all(&ws);
    std::fs::create_dir_all(&ws).map_err(|e| format!("cannot create {}: {e}", ws.display()))?;

    let mutations = mutations();
    let mut rows = Vec::new();
    // Base crates and their probes, shared by mutations with the same base edits.
    let mut bases: BTreeMap<Vec<(String, String)>, (String, String, String)> = BTreeMap::new();
    let mut members: Vec<String> = Vec::new();
    let mut separate: Vec<(usize, PathBuf)> = Vec::new();
    for (i, m) in mutations.iter().enumerate() {
        let base_files = edited(&fixture, &m.base)?;
        let head_files = edited(&fixture, &m.head)?;
        let base_api = generator::load(&base_files).map_err(|d| format!("{}: base does not load:\n{d}", m.what))?;
        let head_api = generator::load(&head_files).map_err(|d| format!("{}: head does not load:\n{d}", m.what))?;
        let d = diff(&base_api, &head_api);
        let verdict = d.version_check().required.ok_or_else(|| format!("{}: spec-diff sees no change", m.what))?;
        if !d.changes.iter().any(|c| c.kind.id() == m.rule) {
            return Err(format!("{}: spec-diff does not report `{}`:\n{}", m.what, m.rule, d.to_text()));
        }
        if !bases.contains_key(&m.base) {
            let n = bases.len();
            let package = format!("base-{n}");
            let files = write_crate(&ws.join(&package), &base_files, &runtime, &package, None)?;
            let lib = generator::probe::probe(&files, &base_api.name)?;
            let probe = format!("probe-base-{n}");
            write_probe(&ws.join(&probe), &probe, &base_api.name, &package, Path::new(&format!("../{package}")), &lib)?;
            members.push(probe);
            bases.insert(m.base.clone(), (package, lib, base_api.name.clone()));
        }
        let (_, lib, krate) = &bases[&m.base];
        // The head's package carries its own crate name: a renamed crate is not found by the
        // probe, which asks for the old name, as users' manifests would.
        let head_package = format!("{}-{i:02}", head_api.name.replace('_', "-"));
        let wanted = format!("{}-{i:02}", krate.replace('_', "-"));
        let probe = format!("probe-{i:02}");
        if head_package == wanted {
            let head = format!("head-{i:02}");
            write_crate(&ws.join(&head), &head_files, &runtime, &head_package, None)?;
            write_probe(&ws.join(&probe), &probe, krate, &wanted, Path::new(&format!("../{head}")), lib)?;
            members.push(probe);
        } else {
            // Cargo cannot resolve such a probe, so it gets a workspace of its own and the
            // others still build.
            let alone = work.join("alone").join(&probe);
            let _ = std::fs::remove_dir_all(&alone);
            write_crate(&alone.join("head"), &head_files, &runtime, &head_package, None)?;
            write_probe(&alone.join("probe"), &probe, krate, &wanted, Path::new("../head"), lib)?;
            std::fs::write(alone.join("Cargo.toml"), "[workspace]\nresolver = \"3\"\nmembers = [\"probe\"]\n")
                .map_err(|e| e.to_string())?;
            std::fs::copy(root.join("Cargo.lock"), alone.join("Cargo.lock"))
                .map_err(|e| format!("cannot copy Cargo.lock: {e}"))?;
            separate.push((i, alone));
        }
        rows.push(Row { rule: m.rule, what: m.what, verdict, behaviour: m.behaviour, compiles: None, error: None });
    }
    let members_list: Vec<String> = members.iter().map(|m| format!("\"{m}\"")).collect();
    std::fs::write(
        ws.join("Cargo.toml"),
        format!("[workspace]\nresolver = \"3\"\nmembers = [{}]\n", members_list.join(", ")),
    )
    .map_err(|e| e.to_string())?;
    // The repository's lock file pins the same dependency versions, and lets cargo work offline.
    std::fs::copy(root.join("Cargo.lock"), ws.join("Cargo.lock"))
        .map_err(|e| format!("cannot copy Cargo.lock: {e}"))?;
    let written = started.elapsed();

    let target = work.join("target");
    let checked = Instant::now();
    let failures = cargo_check(&ws, &target)?;
    let mut problems = Vec::new();
    for (package, error) in &failures {
        if let Some(n) = package.strip_prefix("probe-").and_then(|n| n.parse::<usize>().ok()) {
            rows[n].error = Some(error.clone());
        } else {
            problems.push(format!("{package} does not compile (a generator or probe bug):\n{error}"));
        }
    }
    for (i, dir) in &separate {
        rows[*i].error = cargo_check(dir, &target)?.into_iter().next().map(|(_, error)| error);
    }
    for row in &mut rows {
        row.compiles = Some(row.error.is_none());
    }
    let elapsed = checked.elapsed();

    let report = render(&rows, written.as_secs_f64(), elapsed.as_secs_f64(), started.elapsed().as_secs_f64());
    print!("{report}");
    let disagreements: Vec<&Row> = rows.iter().filter(|r| !r.agrees()).collect();
    if !problems.is_empty() {
        return Err(problems.join("\n"));
    }
    if !disagreements.is_empty() {
        let mut out = String::from("semver-probes: the compiler disagrees with spec-diff:\n");
        for r in disagreements {
            let _ = writeln!(
                out,
                "  {} ({}): spec-diff says {}, the probe {}\n{}",
                r.rule,
                r.what,
                r.verdict.as_str(),
                if r.compiles == Some(true) { "compiles" } else { "fails" },
                r.error.as_deref().unwrap_or("")
            );
        }
        return Err(out);
    }
    Ok(())
}

/// `cargo check` of every package in the workspace at `dir`; the packages that failed, each with
/// its first error. Compiler warnings do not count (the probe allows them).
fn cargo_check(dir: &Path, target: &Path) -> Result<Vec<(String, String)>, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(dir)
        .args(["check", "--workspace", "--keep-going", "--offline", "--quiet", "--message-format=json"])
        .env("CARGO_TARGET_DIR", target)
        // The probes are judged by errors alone: CI's `-D warnings` must not turn a deprecation
        // into a failure. The same flags every run keep the shared target folder valid.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut failed: BTreeMap<String, String> = BTreeMap::new();
    for line in stdout.lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        if message["reason"] != "compiler-message" || message["message"]["level"] != "error" {
            continue;
        }
        let package = package_name(message["package_id"].as_str().unwrap_or_default());
        let rendered = message["message"]["rendered"].as_str().unwrap_or_default().to_string();
        failed.entry(package).or_insert(rendered);
    }
    if !output.status.success() && failed.is_empty() {
        // Cargo itself failed: resolution, a manifest. Report it against every package.
        let stderr = String::from_utf8_lossy(&output.stderr).trim().to_string();
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        failed.insert(name, stderr);
    }
    Ok(failed.into_iter().collect())
}

/// The folder of a path package from its id: `probe-03` from `path+file:///…/probe-03#0.0.0`.
fn package_name(id: &str) -> String {
    let before_hash = id.split('#').next().unwrap_or(id);
    let last = before_hash.rsplit('/').next().unwrap_or(before_hash);
    last.split([' ', '@']).next().unwrap_or(last).to_string()
}

fn render(rows: &[Row], written: f64, checked: f64, total: f64) -> String {
    let mut out = String::from("rule                       verdict  probe     agrees  mutation\n");
    for r in rows {
        let probe = match r.compiles {
            Some(true) => "compiles",
            Some(false) => "fails",
            None => "?",
        };
        let why = r.behaviour.map(|b| format!(" (major by behaviour: {b})")).unwrap_or_default();
        let _ = writeln!(
            out,
            "{:<26} {:<8} {:<9} {:<7} {}{why}",
            r.rule,
            r.verdict.as_str(),
            probe,
            if r.agrees() { "yes" } else { "NO" },
            r.what
        );
    }
    let rules: BTreeSet<&str> = rows.iter().map(|r| r.rule).collect();
    let agree = rows.iter().filter(|r| r.agrees()).count();
    let _ = writeln!(
        out,
        "\nsemver-probes: {} mutations over {} rules; the compiler agrees with spec-diff on {agree}. \
         Generating took {written:.1}s, cargo check {checked:.1}s, {total:.1}s in all.",
        rows.len(),
        rules.len()
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names_from_ids() {
        assert_eq!(package_name("path+file:///tmp/ws/probe-03#0.0.0"), "probe-03");
        assert_eq!(package_name("path+file:///tmp/ws/head-03#shop-03@0.1.0"), "head-03");
    }

    #[test]
    fn every_mutation_applies_and_changes_its_rule() {
        let root = crate::repo_root().unwrap();
        let fixture = generator::files::read_spec_dir(&root.join("generator/tests/fixtures/diff/base")).unwrap();
        let list = mutations();
        assert!(list.len() >= 20);
        for m in &list {
            let base =
                generator::load(&edited(&fixture, &m.base).unwrap()).unwrap_or_else(|d| panic!("{}: {d}", m.what));
            let head =
                generator::load(&edited(&fixture, &m.head).unwrap()).unwrap_or_else(|d| panic!("{}: {d}", m.what));
            let d = diff(&base, &head);
            assert!(d.changes.iter().any(|c| c.kind.id() == m.rule), "{}: {}", m.what, d.to_text());
        }
    }
}
