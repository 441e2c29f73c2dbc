//! `cargo xtask drift` over hand-written recordings built from the spec's own examples with
//! mutations: an added field, an added enum value, a dropped required field, a `null` in a
//! non-null field, a new webhook event type, a value of the wrong type and a request no endpoint
//! matches. Then `--patch` on a scratch copy of the spec, and drift again.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo_root() -> PathBuf {
    let dir = std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR");
    Path::new(&dir).parent().expect("xtask sits below the repository root").to_path_buf()
}

fn fixture(name: &str) -> String {
    repo_root().join("xtask/tests/fixtures/drift").join(name).display().to_string()
}

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask")).arg("drift").args(args).output().expect("the xtask runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("UTF-8 output")
}

/// A fresh copy of spec/ in a folder of its own.
fn scratch_spec(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ringg-drift-test-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let spec = dir.join("spec");
    std::fs::create_dir_all(&spec).unwrap();
    for entry in std::fs::read_dir(repo_root().join("spec")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml" || e == "json" || e == "md") {
            std::fs::copy(&path, spec.join(path.file_name().unwrap())).unwrap();
        }
    }
    spec
}

/// Values of the fixtures' bodies that must never reach a report.
const PERSONAL: &[&str] = &[
    "Acme",
    "user@example.com",
    "sahil",
    "secret-key-value",
    "d079bcb3",
    "7251cb4b",
    "adb64369",
    "+919875436897",
    "NORMAL_CLEARING",
    "pro-annual",
    "Invalid API key",
    "lots",
];

#[test]
fn every_kind_of_drift_is_reported_by_type_and_field() {
    let out = xtask(&["--format", "json", &fixture("recording.ndjson"), &fixture("session.har")]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let r: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let types = &r["types"];
    // Four NDJSON responses and webhooks plus two HAR responses; the 401, the script of another
    // host and the CORS preflight are skipped.
    assert_eq!(r["exchanges"], 9);
    assert_eq!(r["checked"], 6);
    assert_eq!(r["skipped"], 3);
    // A field added, seen in both the recording and the HAR file.
    assert_eq!(types["WorkspaceInfo"]["new_fields"]["plan"]["count"], 2);
    assert_eq!(types["WorkspaceInfo"]["new_fields"]["plan"]["types"], serde_json::json!(["string"]));
    assert_eq!(types["WorkspaceInfo"]["new_fields"]["plan"]["nullable"], false);
    // Null where the spec says non-null.
    assert_eq!(types["WorkspaceInfo"]["unexpected_null"]["credits"], 1);
    // An enum value added (path without the base path, no operation id).
    assert_eq!(types["WorkspaceRole"]["new_values"]["billing_admin"], 1);
    // A required field dropped.
    assert_eq!(types["WorkspaceSummary"]["missing_required"]["name"], 1);
    // From the base64 HAR entry: a new enum value and a field only ever null.
    assert_eq!(types["InviteStatus"]["new_values"]["expired"], 1);
    assert_eq!(types["WorkspaceUser"]["new_fields"]["last_login_at"]["nullable"], true);
    assert_eq!(types["WorkspaceUser"]["new_fields"]["last_login_at"]["types"], serde_json::json!([]));
    // Webhooks: a new event type, and a new field on a known one.
    assert_eq!(r["new_events"]["call_transferred"], 1);
    assert_eq!(types["CallCompleted"]["new_fields"]["hangup_cause"]["count"], 1);
    // Declared fields that never appeared, counted against the objects seen.
    assert_eq!(types["CallCompleted"]["seen"], 1);
    let never: Vec<&str> =
        types["CallCompleted"]["never_seen"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!(never.contains(&"agent_name") && !never.contains(&"call_id"), "{never:?}");
    assert_eq!(r["unmatched"], serde_json::json!({}));
}

#[test]
fn reports_name_keys_and_types_never_values() {
    for format in ["text", "markdown", "json"] {
        let out = xtask(&[
            "--format",
            format,
            &fixture("recording.ndjson"),
            &fixture("session.har"),
            &fixture("unpatchable.ndjson"),
        ]);
        assert_eq!(out.status.code(), Some(1));
        let text = stdout(&out);
        assert!(text.contains("billing_admin") && text.contains("hangup_cause"), "{format}: {text}");
        for value in PERSONAL {
            assert!(!text.contains(value), "{format} report shows `{value}`:\n{text}");
        }
    }
    let md = stdout(&xtask(&["--format", "markdown", &fixture("recording.ndjson")]));
    assert!(md.contains("| `WorkspaceSummary` | required field missing | `name` | | 1 |"), "{md}");
}

#[test]
fn wrong_types_and_unknown_requests_are_reported_and_not_patched() {
    let spec = scratch_spec("unpatchable");
    let before = std::fs::read_to_string(spec.join("workspace.yaml")).unwrap();
    let spec_arg = spec.display().to_string();
    let out = xtask(&["--spec", &spec_arg, "--patch", &fixture("unpatchable.ndjson")]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("wrong type       `credits`: expected number, found string (1 time)"), "{text}");
    assert!(text.contains("GET /ca/api/v0/workspace/billing: 1 time"), "{text}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not patched: WorkspaceInfo.credits: expected number, found string"), "{stderr}");
    assert_eq!(std::fs::read_to_string(spec.join("workspace.yaml")).unwrap(), before, "nothing was written");
    let _ = std::fs::remove_dir_all(spec.parent().unwrap());
}

#[test]
fn after_the_patch_nothing_new_is_reported_and_the_spec_generates() {
    let spec = scratch_spec("patch");
    let spec_arg = spec.display().to_string();
    let inputs = [fixture("recording.ndjson"), fixture("session.har")];
    let mut args = vec!["--spec", spec_arg.as_str(), "--patch"];
    args.extend(inputs.iter().map(String::as_str));
    let out = xtask(&args);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("not patched"), "{stderr}");

    let workspace = std::fs::read_to_string(spec.join("workspace.yaml")).unwrap();
    assert!(workspace.contains("      plan:\n        type: string\n        optional: true\n"), "{workspace}");
    assert!(workspace.contains("(observed; meaning undocumented)"));
    assert!(
        workspace.contains("note: \"Added by `cargo xtask drift --patch`: seen 2 times in 2 `WorkspaceInfo` objects")
    );
    assert!(
        workspace
            .contains("      last_login_at:\n        type: json\n        optional: true\n        nullable: true\n")
    );
    assert!(workspace.contains("name: { optional: true, type: string"));
    let webhooks = std::fs::read_to_string(spec.join("webhooks.yaml")).unwrap();
    assert!(webhooks.contains("call_transferred: { doc:"), "new event type added as a variant");

    // Drift again over the same traffic: nothing new.
    let mut args = vec!["--spec", spec_arg.as_str(), "--format", "json"];
    args.extend(inputs.iter().map(String::as_str));
    let again = xtask(&args);
    let r: serde_json::Value = serde_json::from_str(&stdout(&again)).unwrap();
    assert_eq!(again.status.code(), Some(0), "{r:#}");
    for t in r["types"].as_object().unwrap().values() {
        for key in ["new_fields", "new_values", "new_tags", "missing_required", "unexpected_null", "wrong_type"] {
            assert!(t.get(key).is_none(), "{r:#}");
        }
    }
    assert_eq!(r["new_events"], serde_json::json!({}));

    // The patched spec loads and generates.
    let files = generator::files::read_spec_dir(&spec).unwrap();
    let api = generator::load(&files).unwrap_or_else(|d| panic!("{d}"));
    assert!(api.type_def("WorkspaceInfo").is_some());
    generator::generate(&files).unwrap_or_else(|d| panic!("{d}"));
    let _ = std::fs::remove_dir_all(spec.parent().unwrap());
}

#[test]
fn usage_and_read_errors_exit_2() {
    assert_eq!(xtask(&[]).status.code(), Some(2));
    assert_eq!(xtask(&["--format", "yaml", &fixture("recording.ndjson")]).status.code(), Some(2));
    assert_eq!(xtask(&["/nonexistent/recording.ndjson"]).status.code(), Some(2));
    // A HAR file read as NDJSON: the error names the line, never its content.
    let dir = scratch_spec("usage");
    let copy = dir.join("session.ndjson");
    std::fs::copy(fixture("session.har"), &copy).unwrap();
    let out = xtask(&[&copy.display().to_string()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 1: not a recording line"), "{stderr}");
    assert!(!stderr.contains("Firefox"), "{stderr}");
    let _ = std::fs::remove_dir_all(dir.parent().unwrap());
}
