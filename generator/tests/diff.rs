//! `generator::diff`: one test per classification rule on small spec pairs, the pinned reports,
//! and the real spec.
//!
//! Every rule test starts from `tests/fixtures/diff/base/` and applies text edits, so the pair
//! under test is the base and the base with one change. `tests/fixtures/diff/head/` is a second
//! full spec whose reports are pinned in `tests/fixtures/diff/report.*`; run with
//! `UPDATE_EXPECT=1` to rewrite them after an intended change, then review the diff.

mod common;

use common::manifest_dir;

use std::path::{Path, PathBuf};

use generator::diff::{Bump, SpecDiff, Wire, diff};
use generator::ir::Api;
use generator::{SourceFile, load};

use Bump::{Major, Minor, Patch};
use Wire::{Breaking, Compatible};

const NONE: Wire = Wire::None;

fn fixtures() -> PathBuf {
    manifest_dir().join("tests/fixtures/diff")
}

/// Every `*.yaml` of a folder, named `spec/<file>` as the loader expects.
fn read_dir(dir: &Path) -> Vec<SourceFile> {
    generator::files::read_spec_dir(dir).unwrap_or_else(|e| panic!("{e}"))
}

fn load_ok(files: &[SourceFile]) -> Api {
    load(files).unwrap_or_else(|d| panic!("spec does not load:\n{d}"))
}

/// The base fixture with each `(from, to)` edit applied. `from` must occur exactly once in all
/// files together, so an edit can never land somewhere unintended.
fn edited(edits: &[(&str, &str)]) -> Vec<SourceFile> {
    let mut files = read_dir(&fixtures().join("base"));
    for (from, to) in edits {
        let hits: usize = files.iter().map(|f| f.text.matches(from).count()).sum();
        assert_eq!(hits, 1, "edit anchor must occur exactly once: {from:?}");
        for f in &mut files {
            f.text = f.text.replacen(from, to, 1);
        }
    }
    files
}

/// `(kind, wire, rust)` of every change.
fn rows(d: &SpecDiff) -> Vec<(String, Wire, Bump)> {
    d.changes.iter().map(|c| (c.kind.id(), c.wire, c.rust)).collect()
}

fn expect(d: &SpecDiff, expected: &[(&str, Wire, Bump)]) {
    let expected: Vec<(String, Wire, Bump)> = expected.iter().map(|(k, w, b)| (k.to_string(), *w, *b)).collect();
    assert_eq!(rows(d), expected, "\n{}", d.to_text());
}

/// Diffs base-with-`base_edits` against base-with-`head_edits`.
fn between(base_edits: &[(&str, &str)], head_edits: &[(&str, &str)]) -> SpecDiff {
    diff(&load_ok(&edited(base_edits)), &load_ok(&edited(head_edits)))
}

/// Diffs the base against the base with `edits`.
fn after(edits: &[(&str, &str)]) -> SpecDiff {
    between(&[], edits)
}

/// Diffs the base against a copy of its IR changed by `f`, for changes the YAML cannot express.
fn after_ir(f: impl FnOnce(&mut Api)) -> SpecDiff {
    let base = load_ok(&edited(&[]));
    let mut head = base.clone();
    f(&mut head);
    diff(&base, &head)
}

fn check(edits: &[(&str, &str)], expected: &[(&str, Wire, Bump)]) {
    expect(&after(edits), expected);
}

// Anchors in the base fixture.
const CANCEL: &str = "      cancel:\n        doc: Cancel an order.\n        method: DELETE\n        path: /orders/{id}\n        path_params:\n          id: { type: string, doc: Order id. }\n";
const GET_RESPONSE: &str = "        response: { type: Order }\n        errors:\n          \"404\": No such order.\n";
const DRY_RUN: &str =
    "          dry_run: { type: boolean, optional: true, doc: Check the order without placing it. }\n";
const CREATE_BODY: &str = "        body: { type: NewOrder, encoding: json }\n";
const PAGINATED: &str = "        paginated: { items: orders, total: count }\n";

// ------------------------------------------------------------------------------------ identity

#[test]
fn fixture_against_itself_has_no_changes() {
    let d = after(&[]);
    assert!(d.is_empty());
    assert_eq!(d.summary(false), "Spec diff: no API changes. Version 0.1.0 → 0.1.0.");
    assert!(d.version_check().ok);
}

// ------------------------------------------------------------------------------------ endpoints

#[test]
fn endpoint_added_is_minor() {
    check(
        &[(
            CANCEL,
            &format!(
                "{CANCEL}      refund:\n        doc: Refund an order.\n        method: POST\n        path: /orders/{{id}}/refund\n        path_params:\n          id: {{ type: string, doc: Order id. }}\n"
            ),
        )],
        &[("endpoint-added", Compatible, Minor)],
    );
}

#[test]
fn endpoint_removed_is_major() {
    check(&[(CANCEL, "")], &[("endpoint-removed", Breaking, Major)]);
}

#[test]
fn endpoint_renamed_on_the_same_route_is_rust_only() {
    let d = after(&[("      cancel:\n", "      delete:\n")]);
    expect(&d, &[("endpoint-renamed", NONE, Major)]);
    assert_eq!(d.changes[0].subject, "orders.delete");
    assert_eq!(d.changes[0].change, "renamed from `orders.cancel` (same route)");
}

#[test]
fn endpoint_moved_breaks_the_wire_only() {
    // DELETE is retried by default and POST is not, so the move also changes retry safety.
    check(
        &[("method: DELETE\n        path: /orders/{id}\n", "method: POST\n        path: /orders/{id}/cancel\n")],
        &[("endpoint-moved", Breaking, Patch), ("retry-changed", Compatible, Patch)],
    );
}

#[test]
fn renamed_path_placeholder_is_not_a_move() {
    check(
        &[(
            "        path: /orders/{id}\n        path_params:\n          id: { type: string, doc: Order id. }\n        response:",
            "        path: /orders/{order_id}\n        path_params:\n          order_id: { type: string, doc: Order id. }\n        response:",
        )],
        &[("param-renamed", NONE, Patch)],
    );
}

#[test]
fn endpoint_base_url_change_breaks_the_wire() {
    check(
        &[(GET_RESPONSE, &format!("        base_url: files\n{GET_RESPONSE}"))],
        &[("endpoint-base-url-changed", Breaking, Patch)],
    );
}

#[test]
fn deprecation_is_minor_and_undeprecation_patch() {
    let deprecated = format!("        deprecated: {{ replacement: orders.list, doc: Use the list. }}\n{GET_RESPONSE}");
    check(&[(GET_RESPONSE, &deprecated)], &[("endpoint-deprecated", NONE, Minor)]);
    expect(&between(&[(GET_RESPONSE, &deprecated)], &[]), &[("endpoint-undeprecated", NONE, Patch)]);
}

// ------------------------------------------------------------------------------------ parameters

#[test]
fn optional_query_parameter_added_is_minor() {
    check(
        &[(DRY_RUN, &format!("{DRY_RUN}          note: {{ type: string, optional: true, doc: A note. }}\n"))],
        &[("param-added", Compatible, Minor)],
    );
}

/// `orders.stats` takes no inputs. Its operation struct is never a unit struct that users could
/// build, so a new optional parameter is still only a new setter.
#[test]
fn optional_query_parameter_added_to_an_endpoint_without_inputs_is_minor() {
    check(
        &[(
            "        path: /orders/stats\n",
            "        path: /orders/stats\n        query:\n          shop: { type: string, optional: true, doc: One shop. }\n",
        )],
        &[("param-added", Compatible, Minor)],
    );
}

#[test]
fn required_query_parameter_added_is_major() {
    check(
        &[(DRY_RUN, &format!("{DRY_RUN}          store: {{ type: string, doc: Store id. }}\n"))],
        &[("param-added", Breaking, Major)],
    );
}

#[test]
fn path_parameter_added_is_major() {
    check(
        &[(
            "        path: /orders/{id}\n        path_params:\n          id: { type: string, doc: Order id. }\n        response:",
            "        path: /stores/{store}/orders/{id}\n        path_params:\n          store: { type: string, doc: Store id. }\n          id: { type: string, doc: Order id. }\n        response:",
        )],
        // The placeholder at position 0 is now `store`; `id` moved to position 1.
        &[("endpoint-moved", Breaking, Patch), ("param-renamed", NONE, Patch), ("param-added", Breaking, Major)],
    );
}

#[test]
fn query_parameter_removed_is_major() {
    check(&[(&format!("        query:\n{DRY_RUN}"), "")], &[("param-removed", Breaking, Major)]);
}

#[test]
fn query_parameter_retyped() {
    // boolean to string: a new Rust type, and old values (`true`) are not all valid strings.
    check(&[("dry_run: { type: boolean,", "dry_run: { type: string,")], &[("param-retyped", Breaking, Major)]);
    // integer to number widens what the server accepts, but `i64` becomes `f64`.
    check(&[("dry_run: { type: boolean,", "dry_run: { type: integer,")], &[("param-retyped", Breaking, Major)]);
    expect(
        &between(
            &[("dry_run: { type: boolean,", "dry_run: { type: integer,")],
            &[("dry_run: { type: boolean,", "dry_run: { type: number,")],
        ),
        &[("param-retyped", Compatible, Major)],
    );
    // date to string: every date is a string, but `Date` becomes `String`.
    expect(
        &between(
            &[("dry_run: { type: boolean,", "dry_run: { type: date,")],
            &[("dry_run: { type: boolean,", "dry_run: { type: string,")],
        ),
        &[("param-retyped", Compatible, Major)],
    );
}

#[test]
fn query_parameter_made_required_or_optional() {
    let required = [("dry_run: { type: boolean, optional: true,", "dry_run: { type: boolean,")];
    check(&required, &[("param-presence-changed", Breaking, Major)]);
    expect(&between(&required, &[]), &[("param-presence-changed", Compatible, Major)]);
}

#[test]
fn query_parameter_rust_name() {
    // An optional parameter is a setter: renaming it breaks callers.
    check(
        &[(
            "dry_run: { type: boolean, optional: true,",
            "dry_run: { type: boolean, optional: true, rust_name: check_only,",
        )],
        &[("param-renamed", NONE, Major)],
    );
    // A required one is a positional argument: its name is not part of the API.
    let required = [("dry_run: { type: boolean, optional: true,", "dry_run: { type: boolean,")];
    expect(
        &between(
            &required,
            &[("dry_run: { type: boolean, optional: true,", "dry_run: { type: boolean, rust_name: check_only,")],
        ),
        &[("param-renamed", NONE, Patch)],
    );
}

#[test]
fn query_parameter_default_is_documentation() {
    check(
        &[("dry_run: { type: boolean, optional: true,", "dry_run: { type: boolean, optional: true, default: false,")],
        &[("param-default-changed", Compatible, Patch)],
    );
}

#[test]
fn method_arguments_reordered_is_major() {
    let two = |a: &str, b: &str| {
        format!("{DRY_RUN}          {a}: {{ type: string, doc: A. }}\n          {b}: {{ type: string, doc: B. }}\n")
    };
    expect(
        &between(&[(DRY_RUN, &two("store", "till"))], &[(DRY_RUN, &two("till", "store"))]),
        &[("arguments-reordered", NONE, Major)],
    );
}

// ------------------------------------------------------------------------------------ bodies and responses

#[test]
fn body_added_and_removed() {
    check(
        &[(CANCEL, &format!("{CANCEL}        body: {{ type: NewOrder, encoding: json }}\n"))],
        &[("body-added", Breaking, Major)],
    );
    // Without its only body, `NewOrder` is no longer a request type and loses `new`.
    check(&[(CREATE_BODY, "")], &[("body-removed", Breaking, Major), ("constructor-removed", NONE, Major)]);
}

#[test]
fn body_retyped_is_major() {
    // `Order` becomes a request type and gains `new`; `NewOrder` stops being one and loses it.
    check(
        &[(CREATE_BODY, "        body: { type: Order, encoding: json }\n")],
        // `Card` is reachable from `Order` (through `Payment`), so it gains `new` too.
        &[
            ("body-retyped", Breaking, Major),
            ("constructor-added", NONE, Minor),
            ("constructor-added", NONE, Minor),
            ("constructor-removed", NONE, Major),
        ],
    );
}

#[test]
fn body_encoding_changed() {
    check(
        &[(CREATE_BODY, "        body: { type: NewOrder, encoding: multipart }\n")],
        &[("body-encoding-changed", Breaking, Patch), ("multipart-changed", NONE, Major)],
    );
}

#[test]
fn response_changes() {
    // Empty to JSON: old integrations ignored the body; the Rust output type changes.
    check(
        &[(CANCEL, &format!("{CANCEL}        response: {{ type: Order }}\n"))],
        &[("response-changed", Compatible, Major)],
    );
    // JSON to empty: what old integrations read is gone.
    check(
        &[(GET_RESPONSE, "")],
        &[("response-changed", Breaking, Major), ("endpoint-error-removed", Compatible, Patch)],
    );
    // JSON to another type.
    check(
        &[(GET_RESPONSE, "        response: { type: NewOrder }\n        errors:\n          \"404\": No such order.\n")],
        &[("response-changed", Breaking, Major)],
    );
}

// ------------------------------------------------------------------------------------ pagination, retries, errors

#[test]
fn pagination_added_is_minor_and_removed_major() {
    check(&[(PAGINATED, "")], &[("pagination-removed", Breaking, Major)]);
    // `orders.list` already had `limit`/`offset` parameters (integers): they become the paging
    // setters, which take `u32`/`u64`, so old calls stop compiling.
    let d = between(&[(PAGINATED, "")], &[]);
    expect(&d, &[("pagination-added", Compatible, Major)]);
    assert!(d.changes[0].change.contains("now takes `u32`"), "{}", d.to_text());
    check(&[(PAGINATED, "        paginated: { items: orders }\n")], &[("pagination-changed", NONE, Patch)]);
}

#[test]
fn retry_safety_is_patch_and_flagged() {
    let d = after(&[(CANCEL, &format!("{CANCEL}        retry: unsafe\n"))]);
    expect(&d, &[("retry-changed", Compatible, Patch)]);
    assert!(d.changes[0].note.as_deref().unwrap().contains("older crate versions"));
    let d = between(&[(CANCEL, &format!("{CANCEL}        retry: unsafe\n"))], &[]);
    assert!(d.changes[0].note.as_deref().unwrap().contains("idempotently"));
}

#[test]
fn places_calls_is_patch_and_flagged() {
    let d = after(&[(CREATE_BODY, &format!("{CREATE_BODY}        places_calls: true\n"))]);
    expect(&d, &[("places-calls-changed", NONE, Patch)]);
    assert!(d.changes[0].note.is_some());
}

#[test]
fn endpoint_error_cases_are_documentation() {
    check(
        &[(
            "          \"404\": No such order.\n",
            "          \"404\": No such order.\n          \"400\": The id is malformed.\n",
        )],
        &[("endpoint-error-added", Compatible, Patch)],
    );
}

// ------------------------------------------------------------------------------------ fields

const ORDER_NOTE: &str = "      note: { type: string, optional: true, doc: Free text. }\n";
const NEW_ORDER_GIFT: &str = "      gift: { type: boolean, optional: true, doc: Gift-wrap it. }\n";

#[test]
fn response_field_added_is_minor_even_when_required() {
    check(
        &[(ORDER_NOTE, &format!("{ORDER_NOTE}      currency: {{ type: string, doc: ISO code. }}\n"))],
        &[("field-added", Compatible, Minor)],
    );
}

#[test]
fn optional_request_field_added_is_minor() {
    check(
        &[(
            NEW_ORDER_GIFT,
            &format!("{NEW_ORDER_GIFT}      message: {{ type: string, optional: true, doc: Card text. }}\n"),
        )],
        &[("field-added", Compatible, Minor)],
    );
}

#[test]
fn required_request_field_added_is_major() {
    // It becomes an argument of `NewOrder::new`, and old requests lack it.
    check(
        &[(NEW_ORDER_GIFT, &format!("{NEW_ORDER_GIFT}      store: {{ type: string, doc: Store id. }}\n"))],
        &[("field-added", Breaking, Major)],
    );
    // A nullable field is an argument of `new` too, and must be present on the wire.
    check(
        &[(
            NEW_ORDER_GIFT,
            &format!("{NEW_ORDER_GIFT}      store: {{ type: string, nullable: true, doc: Store id. }}\n"),
        )],
        &[("field-added", Breaking, Major)],
    );
}

/// `OrderQuery` is a request type whose fields are all optional, so it implements `Default`. A
/// required field takes that away, and the report says so.
#[test]
fn a_required_field_on_an_all_optional_request_type_loses_default() {
    let d = after(&[(
        "      text: { type: string, optional: true, doc: Words to match. }\n",
        "      text: { type: string, optional: true, doc: Words to match. }\n      shop: { type: string, doc: One shop. }\n",
    )]);
    expect(&d, &[("field-added", Breaking, Major)]);
    assert_eq!(
        d.changes[0].note.as_deref(),
        Some("`OrderQuery` no longer implements `Default`: code that uses it stops compiling")
    );
    // Made required: the same.
    let d = after(&[(
        "      text: { type: string, optional: true, doc: Words to match. }\n",
        "      text: { type: string, doc: Words to match. }\n",
    )]);
    expect(&d, &[("field-presence-changed", Breaking, Major)]);
    assert!(
        d.changes[0].note.as_deref().is_some_and(|n| n.contains("no longer implements `Default`")),
        "{}",
        d.to_text()
    );
    // And back: it gains `Default`, a minor consequence of a major change.
    let back = between(
        &[(
            "      text: { type: string, optional: true, doc: Words to match. }\n",
            "      text: { type: string, doc: Words to match. }\n",
        )],
        &[],
    );
    assert!(
        back.changes[0].note.as_deref().is_some_and(|n| n.contains("now implements `Default`")),
        "{}",
        back.to_text()
    );
}

#[test]
fn removed_fields_are_major() {
    // Required in a response: old integrations rely on it.
    check(
        &[("      total: { type: integer, doc: Total price in cents. }\n", "")],
        &[("field-removed", Breaking, Major)],
    );
    // Optional in a response: old integrations already cope with its absence, but they will now
    // always see it absent, which the row and the summary say.
    let d = after(&[(ORDER_NOTE, "")]);
    expect(&d, &[("field-removed", Compatible, Major)]);
    assert!(
        d.changes[0].note.as_deref().is_some_and(|n| n.contains("silently read `note` as absent")),
        "{}",
        d.to_text()
    );
    assert!(
        d.summary(false).ends_with(
            "none breaks the wire, but 1 removes a received field that old integrations will silently read as absent."
        ),
        "{}",
        d.summary(false)
    );
    // In a request: the server no longer honours it.
    check(&[(NEW_ORDER_GIFT, "")], &[("field-removed", Breaking, Major)]);
}

#[test]
fn renamed_wire_field_is_a_removal_and_an_addition() {
    let d = after(&[(
        "      sku: { type: string, doc: Product code. }\n",
        "      product: { type: string, doc: Product code. }\n",
    )]);
    expect(&d, &[("field-removed", Breaking, Major), ("field-added", Breaking, Major)]);
    assert_eq!(
        d.changes[1].note.as_deref(),
        Some("looks like a rename of `sku`: on the wire that is a removal plus an addition")
    );
}

#[test]
fn a_wire_rename_that_keeps_the_rust_name_is_one_patch_change() {
    // A response key renamed, the Rust field kept with `rust_name`: the same `pub note` for Rust
    // code, while old integrations silently read it as absent.
    let d =
        after(&[(ORDER_NOTE, "      remark: { type: string, optional: true, rust_name: note, doc: Free text. }\n")]);
    expect(&d, &[("field-wire-renamed", Breaking, Patch)]);
    assert_eq!(d.changes[0].change, "response field `note`: wire key `note` → `remark` (Rust name kept)");
    assert_eq!(
        d.changes[0].note.as_deref(),
        Some("old integrations keep decoding and silently read `note` as absent: the server no longer sends `note`")
    );
    assert_eq!(d.version_check().required, Some(Patch), "not the major a removal would ask for");
    // Always present before: old decoders fail instead.
    let d = after(&[(
        "      total: { type: integer, doc: Total price in cents. }\n",
        "      total_cents: { type: integer, rust_name: total, doc: Total price in cents. }\n",
    )]);
    expect(&d, &[("field-wire-renamed", Breaking, Patch)]);
    assert!(d.changes[0].note.as_deref().is_some_and(|n| n.contains("fail to decode")), "{}", d.to_text());
    // A request key renamed and made optional at once: the rename and the presence change, each
    // with its own verdict.
    let d = after(&[(
        "      sku: { type: string, doc: Product code. }\n",
        "      product_code: { type: string, optional: true, rust_name: sku, doc: Product code. }\n",
    )]);
    expect(&d, &[("field-wire-renamed", Breaking, Patch), ("field-presence-changed", Compatible, Major)]);
    assert!(d.changes[0].note.as_deref().is_some_and(|n| n.contains("send `sku`")), "{}", d.to_text());
}

#[test]
fn retyped_fields() {
    // integer to number in a response: old decoders cannot read `12.5`.
    check(&[("total: { type: integer,", "total: { type: number,")], &[("field-retyped", Breaking, Major)]);
    // integer to number in a request: the server accepts every old value.
    check(&[("quantity: { type: integer,", "quantity: { type: number,")], &[("field-retyped", Compatible, Major)]);
    // datetime to string in a response: any string may now arrive, and `Timestamp` becomes
    // `String`.
    check(&[("placed_at: { type: datetime,", "placed_at: { type: string,")], &[("field-retyped", Breaking, Major)]);
}

#[test]
fn a_string_becoming_a_newtype_changes_rust_only() {
    // `string` to a newtype over it: the same JSON string, a different Rust type.
    let order_id = "  Order:\n";
    let with_id = "  OrderId:\n    doc: An order id.\n    newtype: string\n\n  Order:\n";
    let d = between(
        &[(order_id, with_id)],
        &[
            (order_id, with_id),
            (
                "      id: { type: string, doc: Order id. }\n      status:",
                "      id: { type: OrderId, doc: Order id. }\n      status:",
            ),
        ],
    );
    expect(&d, &[("field-retyped", NONE, Major)]);
}

#[test]
fn optional_fields_gathered_into_a_one_of_keep_the_wire() {
    // `status` and `gift` become "exactly one of": the JSON of such a request is unchanged.
    let fields = "      status: { type: OrderStatus, optional: true, doc: Initial status. }\n      gift: { type: boolean, optional: true, doc: Gift-wrap it. }\n";
    let one_of = "      extra: { type: Extra, flatten: true, doc: One extra. }\n\n  Extra:\n    doc: Exactly one.\n    one_of:\n      status: { type: OrderStatus, doc: Initial status. }\n      gift: { type: boolean, doc: Gift-wrap it. }\n";
    let d = after(&[(fields, one_of)]);
    expect(
        &d,
        &[
            ("field-removed", NONE, Major),
            ("field-removed", NONE, Major),
            ("field-added", NONE, Major),
            ("type-added", NONE, Minor),
        ],
    );
    // A one_of whose field changes type is not the same JSON.
    let retyped = one_of.replace("gift: { type: boolean,", "gift: { type: string,");
    let d = after(&[(fields, &retyped)]);
    assert!(d.changes.iter().any(|c| c.wire == Breaking), "{}", d.to_text());
}

#[test]
fn presence_changes() {
    // Response field made required: fine on the wire, `Option<String>` becomes `String`.
    check(
        &[(ORDER_NOTE, "      note: { type: string, doc: Free text. }\n")],
        &[("field-presence-changed", Compatible, Major)],
    );
    // Response field made optional: old integrations expect it.
    check(
        &[(
            "id: { type: string, doc: Order id. }\n      status:",
            "id: { type: string, optional: true, doc: Order id. }\n      status:",
        )],
        &[("field-presence-changed", Breaking, Major)],
    );
    // Nullable to optional in a response: both `Option<String>`, but it may now be absent.
    check(
        &[("coupon: { type: string, nullable: true,", "coupon: { type: string, optional: true,")],
        &[("field-presence-changed", Breaking, Patch)],
    );
    // Request field made required: old requests lack it; a new argument of `new`.
    check(
        &[(NEW_ORDER_GIFT, "      gift: { type: boolean, doc: Gift-wrap it. }\n")],
        &[("field-presence-changed", Breaking, Major)],
    );
    // Request field made optional: the server accepts more; an argument becomes a setter.
    check(
        &[("sku: { type: string, doc:", "sku: { type: string, optional: true, doc:")],
        &[("field-presence-changed", Compatible, Major)],
    );
}

#[test]
fn field_rust_name_is_rust_only() {
    check(
        &[(ORDER_NOTE, "      note: { type: string, optional: true, rust_name: remark, doc: Free text. }\n")],
        &[("field-renamed", NONE, Major)],
    );
}

#[test]
fn constructor_arguments_reordered_is_major() {
    check(
        &[(
            "      sku: { type: string, doc: Product code. }\n      quantity: { type: integer, doc: How many. }\n",
            "      quantity: { type: integer, doc: How many. }\n      sku: { type: string, doc: Product code. }\n",
        )],
        &[("arguments-reordered", NONE, Major)],
    );
}

#[test]
fn field_flatten_breaks_the_wire() {
    let meta = "  Meta:\n    doc: Paging details.\n    fields:\n      next: { type: string, optional: true, doc: Next page. }\n\n  OrderPage:\n";
    let plain = [
        ("  OrderPage:\n", meta),
        ("      count:", "      meta: { type: Meta, optional: true, doc: Details. }\n      count:"),
    ];
    let flat = [
        ("  OrderPage:\n", meta),
        ("      count:", "      meta: { type: Meta, flatten: true, doc: Details. }\n      count:"),
    ];
    // Flattening requires a required field here, so presence changes too.
    expect(
        &between(&plain, &flat),
        &[("field-presence-changed", Compatible, Major), ("field-flatten-changed", Breaking, Patch)],
    );
}

#[test]
fn field_secret_default_and_deprecation_are_patch() {
    check(
        &[("coupon: { type: string, nullable: true,", "coupon: { type: string, nullable: true, secret: true,")],
        &[("field-secret-changed", NONE, Patch)],
    );
    check(
        &[(NEW_ORDER_GIFT, "      gift: { type: boolean, optional: true, default: false, doc: Gift-wrap it. }\n")],
        &[("field-default-changed", Compatible, Patch)],
    );
    check(
        &[(ORDER_NOTE, "      note: { type: string, optional: true, deprecated: Use comments., doc: Free text. }\n")],
        &[("field-deprecated", NONE, Patch)],
    );
}

// ------------------------------------------------------------------------------------ enums and unions

#[test]
fn enum_value_added_is_minor() {
    check(
        &[("      shipped: On its way.\n", "      shipped: On its way.\n      refunded: Money returned.\n")],
        &[("enum-value-added", Compatible, Minor)],
    );
}

#[test]
fn enum_value_removed_is_major() {
    // `OrderStatus` is also sent (query filter, `NewOrder.status`): old requests may use the value.
    check(&[("      shipped: On its way.\n", "")], &[("enum-value-removed", Breaking, Major)]);
    // `Carrier` is only received (in an event): old receivers simply never see the value again.
    check(&[("      dhl: DHL.\n", "")], &[("enum-value-removed", Compatible, Major)]);
}

#[test]
fn enum_value_rust_rename_is_rust_only() {
    let d = after_ir(|api| {
        let i = api.type_index["Carrier"];
        let generator::ir::TypeKind::Enum(values) = &mut api.types[i].kind else { unreachable!() };
        values[0].rust = "Ups2".into();
    });
    expect(&d, &[("enum-value-renamed", NONE, Major)]);
}

#[test]
fn union_members() {
    // `Amount` is received: old decoders cannot decode the new shape.
    check(
        &[(
            "      Text: { type: string, doc: A word. }\n",
            "      Text: { type: string, doc: A word. }\n      Many: { type: boolean, doc: A flag. }\n",
        )],
        &[("union-member-added", Breaking, Minor)],
    );
    check(&[("      Text: { type: string, doc: A word. }\n", "")], &[("union-member-removed", Compatible, Major)]);
    check(
        &[("Items: { type: list<string>,", "Items: { type: list<integer>,")],
        &[("union-member-retyped", Breaking, Major)],
    );
    let d = after(&[(
        "      Count: { type: integer, doc: An exact count. }\n      Text: { type: string, doc: A word. }\n",
        "      Text: { type: string, doc: A word. }\n      Count: { type: integer, doc: An exact count. }\n",
    )]);
    expect(&d, &[("union-members-reordered", NONE, Patch)]);
    assert!(d.changes[0].note.is_some());
}

// ------------------------------------------------------------------------------------ tagged unions and webhooks

const PING: &str = "      ping: { doc: A test delivery. }\n";

#[test]
fn webhook_event_added_is_minor() {
    let d = after(&[(PING, &format!("{PING}      order_paid: {{ type: Shipped, doc: An order was paid. }}\n"))]);
    expect(&d, &[("variant-added", Compatible, Minor)]);
    assert_eq!(d.changes[0].change, "event `order_paid` added (`Shipped`)");
}

#[test]
fn variant_added_to_a_closed_received_union_breaks_the_wire() {
    // `Payment` is closed and received in `Order`: old decoders reject the new tag.
    check(
        &[(
            "      cash: { doc: In cash. }\n",
            "      cash: { doc: In cash. }\n      voucher: { doc: With a voucher. }\n",
        )],
        &[("variant-added", Breaking, Minor)],
    );
}

#[test]
fn webhook_event_removed_is_major() {
    check(&[(PING, "")], &[("variant-removed", Compatible, Major)]);
}

#[test]
fn webhook_event_payload_changed_is_major() {
    check(&[(PING, "      ping: { type: Shipped, doc: A test delivery. }\n")], &[("variant-retyped", Breaking, Major)]);
}

#[test]
fn event_payload_field_changes_use_event_roles() {
    let d = after(&[("      order_id: { type: string, doc: The order. }\n", "")]);
    expect(&d, &[("field-removed", Breaking, Major)]);
    assert_eq!(d.changes[0].change, "event field `order_id` removed (`string`, required)");
}

#[test]
fn tag_and_openness() {
    check(&[("    tag: type\n", "    tag: kind\n")], &[("tag-changed", Breaking, Patch)]);
    let open = [("    tag: method\n", "    tag: method\n    open: true\n")];
    check(&open, &[("openness-changed", NONE, Minor)]);
    expect(&between(&open, &[]), &[("openness-changed", NONE, Major)]);
}

#[test]
fn variant_rust_rename_is_rust_only() {
    let d = after_ir(|api| {
        let i = api.type_index["Event"];
        let generator::ir::TypeKind::Tagged(t) = &mut api.types[i].kind else { unreachable!() };
        t.variants[1].rust = "Pong".into();
    });
    expect(&d, &[("variant-renamed", NONE, Major)]);
}

#[test]
fn webhooks_added_removed_and_retargeted() {
    let hooks = "webhooks:\n  doc: What the shop posts to your endpoint.\n  event: Event\n";
    check(&[(hooks, "")], &[("webhooks-removed", Breaking, Major)]);
    expect(&between(&[(hooks, "")], &[]), &[("webhooks-added", Compatible, Minor)]);
    let d = after_ir(|api| api.webhooks.as_mut().unwrap().event = "Shipped".into());
    expect(&d, &[("webhook-event-changed", Breaking, Major)]);
}

// ------------------------------------------------------------------------------------ types

#[test]
fn types_added_removed_and_reshaped() {
    let extra =
        "  Coupon:\n    doc: A coupon.\n    fields:\n      code: { type: string, doc: The code. }\n\n  Order:\n";
    check(&[("  Order:\n", extra)], &[("type-added", NONE, Minor)]);
    expect(&between(&[("  Order:\n", extra)], &[]), &[("type-removed", NONE, Major)]);
    check(
        &[(
            "  Carrier:\n    doc: Who delivers a parcel.\n    enum:\n      ups: UPS.\n      dhl: DHL.\n",
            "  Carrier:\n    doc: Who delivers a parcel.\n    fields:\n      name: { type: string, doc: Name. }\n",
        )],
        &[("type-kind-changed", Breaking, Major)],
    );
}

#[test]
fn type_rust_rename_is_rust_only() {
    let d = after_ir(|api| {
        let i = api.type_index["Carrier"];
        api.types[i].rust = "Courier".into();
    });
    // `Shipped.carrier` keeps its spec type, so only the type itself is reported.
    expect(&d, &[("type-renamed", NONE, Major)]);
}

// ------------------------------------------------------------------------------------ resources and API-wide

#[test]
fn resources_added_and_removed() {
    let customers = "resources:\n  customers:\n    doc: Customers.\n    endpoints:\n      get:\n        doc: One customer.\n        method: GET\n        path: /customers/{id}\n        path_params:\n          id: { type: string, doc: Customer id. }\n";
    let edit = [("types:\n  Carrier:", &*format!("{customers}\ntypes:\n  Carrier:"))];
    check(&edit, &[("resource-added", Compatible, Minor), ("endpoint-added", Compatible, Minor)]);
    expect(&between(&edit, &[]), &[("resource-removed", Breaking, Major), ("endpoint-removed", Breaking, Major)]);
    let d = after_ir(|api| api.resources[0].rust = "Purchases".into());
    expect(&d, &[("resource-renamed", NONE, Major)]);
}

#[test]
fn base_urls() {
    check(
        &[(
            "    files: https://files.example.com/v1\n",
            "    files: https://files.example.com/v1\n    eu: https://eu.example.com/v1\n",
        )],
        &[("base-url-added", Compatible, Minor)],
    );
    check(&[("    files: https://files.example.com/v1\n", "")], &[("base-url-removed", Breaking, Major)]);
    check(
        &[("default: https://api.example.com/v1", "default: https://api.example.com/v2")],
        &[("base-url-changed", Breaking, Patch)],
    );
}

#[test]
fn auth_and_pagination_settings() {
    check(&[("header: X-API-KEY", "header: Authorization")], &[("auth-changed", Breaking, Patch)]);
    check(&[("env: SHOP_API_KEY", "env: SHOP_KEY")], &[("auth-changed", NONE, Major)]);
    check(&[("max_limit: 100", "max_limit: 50")], &[("pagination-settings-changed", Breaking, Patch)]);
    check(&[("max_limit: 100", "max_limit: 500")], &[("pagination-settings-changed", Compatible, Patch)]);
    check(&[("default_limit: 20", "default_limit: 10")], &[("pagination-settings-changed", NONE, Patch)]);
    let d = after_ir(|api| api.pagination.limit = "page_size".into());
    expect(&d, &[("pagination-settings-changed", Breaking, Patch)]);
}

#[test]
fn error_table_is_documentation() {
    check(
        &[(
            "  \"404\": { name: NotFound,",
            "  \"409\": { name: Conflict, doc: Conflict. }\n  \"404\": { name: NotFound,",
        )],
        &[("error-case-added", Compatible, Patch)],
    );
    check(
        &[("  \"429\": { name: RateLimited, doc: Too many requests., retryable: true }\n", "")],
        &[("error-case-removed", Compatible, Patch)],
    );
    check(
        &[("doc: Too many requests., retryable: true", "doc: Too many requests.")],
        &[("error-case-changed", NONE, Patch)],
    );
}

#[test]
fn crate_name_and_api_version() {
    check(&[("  name: shop\n", "  name: store\n")], &[("crate-renamed", NONE, Major)]);
    check(&[("api_version: v1", "api_version: v2")], &[("api-version-changed", NONE, Patch)]);
}

#[test]
fn webcall_widget() {
    let options = "  WidgetOptions:\n    doc: Widget options.\n    fields:\n      agent: { type: string, doc: Agent id. }\n\n  Shipped:\n";
    let with = |url: &str| -> Vec<(&'static str, String)> {
        let block = format!(
            "webcall:\n  doc: The widget.\n  options: WidgetOptions\n  script_url: {url}\n  style_url: https://cdn.example.com/{{version}}/style.css\n  default_version: \"1.0.0\"\n\ntypes:\n  Carrier:"
        );
        vec![("  Shipped:\n", options.to_string()), ("types:\n  Carrier:", block)]
    };
    let (v1, v2) = (with("https://cdn.example.com/{version}/w.js"), with("https://cdn2.example.com/{version}/w.js"));
    let v1: Vec<(&str, &str)> = v1.iter().map(|(a, b)| (*a, b.as_str())).collect();
    let v2: Vec<(&str, &str)> = v2.iter().map(|(a, b)| (*a, b.as_str())).collect();
    expect(&between(&[], &v1), &[("type-added", NONE, Minor), ("webcall-added", NONE, Minor)]);
    expect(&between(&v1, &[]), &[("type-removed", NONE, Major), ("webcall-removed", NONE, Major)]);
    expect(&between(&v1, &v2), &[("webcall-changed", Breaking, Patch)]);
}

// ------------------------------------------------------------------------------------ version rule

#[test]
fn major_change_needs_a_minor_bump_before_1_0() {
    let removed = (CANCEL, "");
    let d = after(&[removed]);
    let check = d.version_check();
    assert_eq!(check.required, Some(Major));
    assert!(check.blocking);
    assert_eq!(check.suggested.as_deref(), Some("0.2.0"));

    let patch_only = after(&[removed, ("version: 0.1.0", "version: 0.1.1")]).version_check();
    assert!(patch_only.blocking, "0.1.0 → 0.1.1 is compatible in Cargo's eyes");

    let bumped = after(&[removed, ("version: 0.1.0", "version: 0.2.0")]).version_check();
    assert!(bumped.ok && !bumped.blocking);
    assert_eq!(bumped.made, Some(Major));
}

#[test]
fn minor_change_is_made_by_a_patch_bump_before_1_0() {
    let added = (
        DRY_RUN,
        "          dry_run: { type: boolean, optional: true, doc: Check the order without placing it. }\n          note: { type: string, optional: true, doc: A note. }\n",
    );
    let unbumped = after(&[added]).version_check();
    assert_eq!(unbumped.required, Some(Minor));
    assert!(!unbumped.ok && unbumped.blocking, "a missing bump of any size blocks");
    assert_eq!(unbumped.suggested.as_deref(), Some("0.1.1"));
    assert!(after(&[added, ("version: 0.1.0", "version: 0.1.1")]).version_check().ok);
}

#[test]
fn the_summary_names_the_number_that_moves_before_1_0() {
    let added = (
        DRY_RUN,
        "          dry_run: { type: boolean, optional: true, doc: Check it. }\n          n: { type: string, optional: true, doc: N. }\n",
    );
    let summary = after(&[added]).summary(false);
    assert!(
        summary.starts_with(
            "Spec diff: additions: a new patch number is required (before 1.0 it carries additions too). \
             Version 0.1.0 → 0.1.0 does not make it: use 0.1.1 in `api.version`"
        ),
        "{summary}"
    );
    let summary = after(&[(CANCEL, "")]).summary(false);
    assert!(
        summary.starts_with("Spec diff: breaking changes: a new minor number is required (before 1.0 it is the breaking one). Version 0.1.0 → 0.1.0 does not make it: use 0.2.0"),
        "{summary}"
    );
    let v1 = ("version: 0.1.0", "version: 1.4.2");
    let summary = between(&[v1], &[(CANCEL, ""), v1]).summary(false);
    assert!(
        summary.starts_with("Spec diff: major bump required. Version 1.4.2 → 1.4.2 does not make it: use 2.0.0"),
        "{summary}"
    );
    let moved =
        after(&[("method: DELETE\n        path: /orders/{id}\n", "method: POST\n        path: /orders/{id}/cancel\n")]);
    assert!(
        moved.summary(false).starts_with("Spec diff: fixes only: a new patch number is required."),
        "{}",
        moved.summary(false)
    );
    assert!(moved.version_check().blocking, "a missing patch bump blocks too");
}

#[test]
fn the_crate_version_comes_from_the_spec() {
    let files = edited(&[("version: 0.1.0", "version: 0.3.0")]);
    let generated = generator::generate(&files).unwrap_or_else(|d| panic!("{d}"));
    let cargo = generated.iter().find(|f| f.path == "generated/Cargo.toml").expect("Cargo.toml is generated");
    assert!(cargo.contents.contains("\nversion = \"0.3.0\"\n"), "{}", cargo.contents);
}

// ------------------------------------------------------------------------------------ pinned reports

/// Compares `actual` with the pinned file, or rewrites it under `UPDATE_EXPECT=1`.
fn pinned(name: &str, actual: &str) {
    common::pinned_file(&fixtures().join(name), actual, name);
}

#[test]
fn reports_are_pinned() {
    let base = load_ok(&read_dir(&fixtures().join("base")));
    let head = load_ok(&read_dir(&fixtures().join("head")));
    let d = diff(&base, &head);
    pinned("report.md", &d.to_markdown());
    pinned("report.txt", &d.to_text());
    pinned("report.json", &d.to_json());
    let json: serde_json::Value = serde_json::from_str(&d.to_json()).unwrap();
    assert_eq!(json["changes"].as_array().unwrap().len(), d.changes.len());
    assert_eq!(json["blocking"], serde_json::json!(d.version_check().blocking));
}

#[test]
fn empty_reports_are_one_line() {
    let d = after(&[]);
    assert_eq!(d.to_markdown(), "**Spec diff: no API changes.** Version 0.1.0 → 0.1.0.\n");
    assert_eq!(d.to_text(), "Spec diff: no API changes. Version 0.1.0 → 0.1.0.\n");
}

// ------------------------------------------------------------------------------------ the real spec

fn real_spec() -> Vec<SourceFile> {
    read_dir(&manifest_dir().join("../spec"))
}

#[test]
fn real_spec_against_itself_reports_no_change() {
    let files = real_spec();
    let d = diff(&load_ok(&files), &load_ok(&files));
    assert!(d.is_empty(), "{}", d.to_text());
    assert!(d.version_check().ok);
}
