//! Every diagnostic's rendered text, pinned against a small broken spec.
//!
//! Each `fixtures/diagnostics/<case>.yaml` is loaded as `spec/<case>.yaml` next to a valid
//! `spec/api.yaml`; a line `# --- file: spec/<name>.yaml` starts another file. The rendered
//! diagnostics must equal `fixtures/diagnostics/<case>.txt`. Run with `UPDATE_EXPECT=1` to
//! rewrite the expectations after an intended change, then review the diff.

mod common;

use common::manifest_dir;

use generator::SourceFile;

const API: &str = r#"api:
  name: demo
  title: Demo
  version: 0.1.0
  api_version: v0
  doc: A demo API.
  base_urls: { default: https://api.example.com/v0, stt: https://stt.example.com/v1 }
  auth: { header: X-API-KEY, env: DEMO_API_KEY }
  pagination: { limit: limit, offset: offset, default_limit: 20, max_limit: 100 }
errors:
  "401": { name: Unauthorized, doc: Bad key. }
  "404": { name: NotFound, doc: No such thing. }
"#;

fn sources(case: &str, text: &str) -> Vec<SourceFile> {
    let mut files = vec![SourceFile { path: "spec/api.yaml".into(), text: API.into() }];
    let mut path = format!("spec/{case}.yaml");
    let mut current = String::new();
    for line in text.lines() {
        if let Some(next) = line.strip_prefix("# --- file: ") {
            files.push(SourceFile {
                path: std::mem::replace(&mut path, next.trim().to_string()),
                text: std::mem::take(&mut current),
            });
            continue;
        }
        current.push_str(line);
        current.push('\n');
    }
    files.push(SourceFile { path, text: current });
    files
}

fn check(case: &str) {
    let dir = manifest_dir().join("tests/fixtures/diagnostics");
    let input = std::fs::read_to_string(dir.join(format!("{case}.yaml"))).expect("fixture exists");
    let actual = match generator::load(&sources(case, &input)) {
        Ok(_) => panic!("fixture {case} loaded without a diagnostic"),
        Err(diags) => {
            for d in &diags.0 {
                assert!(d.hint.is_some(), "diagnostic without a hint in {case}: {d}");
                assert!(d.line > 0 && d.column > 0, "diagnostic without a place in {case}: {d}");
                assert!(!d.path.is_empty(), "diagnostic without a spec path in {case}: {d}");
            }
            format!("{diags}\n")
        }
    };
    common::pinned_file(&dir.join(format!("{case}.txt")), &actual, &format!("the diagnostics of {case}"));
}

macro_rules! cases {
    ($($name:ident),* $(,)?) => {
        $( #[test] fn $name() { check(stringify!($name)); } )*
    };
}

cases!(
    yaml_syntax,
    unknown_key,
    unknown_type,
    duplicate_type,
    path_params,
    rust_name_collision,
    enum_collision,
    example_mismatch,
    retry_safe_call,
    endpoint_references,
    file_outside_multipart,
    shapes,
    recursive_type,
    unknown_top_level,
    bad_type_expression,
    unknown_key_no_match,
    one_of_and_newtype,
    one_of_misuse,
    unloaded_file,
    example_path_params,
    example_every_mismatch,
    duplicate_route,
    example_unknown_keys,
    duplicate_yaml_key,
    field_at_type_level,
    webhook_events,
);

/// A revision loaded to compare with skips the example rules (a comparison never reads
/// examples), so a rule added to examples later does not make earlier revisions incomparable;
/// every other rule still holds.
#[test]
fn a_spec_loaded_for_comparison_skips_only_the_example_rules() {
    let dir = manifest_dir().join("tests/fixtures/diagnostics");
    let text = std::fs::read_to_string(dir.join("example_unknown_keys.yaml")).unwrap();
    let files = sources("example_unknown_keys", &text);
    assert!(generator::load(&files).is_err());
    generator::load_for_comparison(&files).unwrap_or_else(|d| panic!("{d}"));
    let text = std::fs::read_to_string(dir.join("duplicate_route.yaml")).unwrap();
    assert!(generator::load_for_comparison(&sources("duplicate_route", &text)).is_err());
}

#[test]
fn no_fixture_is_left_untested() {
    let dir = manifest_dir().join("tests/fixtures/diagnostics");
    let this = std::fs::read_to_string(manifest_dir().join("tests/diagnostics.rs")).unwrap();
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if let Some(case) = name.strip_suffix(".yaml") {
            assert!(this.contains(&format!("    {case},")), "fixture {case}.yaml has no test");
        }
    }
}

#[test]
fn the_shipped_spec_is_valid() {
    let files = generator::files::read_spec_dir(&manifest_dir().join("../spec")).unwrap();
    // Only that it loads: a test here must not pin what a legitimate spec change alters (the
    // number of endpoints, a type's name), or adding an endpoint would break the build.
    generator::load(&files).unwrap_or_else(|d| panic!("{d}"));
}

#[test]
fn a_base_url_name_must_make_a_constant_and_a_variable() {
    let api = API.replace("stt: https://stt.example.com/v1", "Speech-To-Text: https://stt.example.com/v1");
    let files = vec![SourceFile { path: "spec/api.yaml".into(), text: api }];
    let diags = generator::load(&files).expect_err("a bad base URL name");
    let text = diags.to_string();
    assert!(text.contains("base URL name `Speech-To-Text` is not a snake_case name"), "{text}");
    assert!(text.contains("write it as `speech_to_text`"), "{text}");
}

/// A webhook event without an example is valid but named by `generator::warnings`.
#[test]
fn an_event_without_an_example_is_a_warning() {
    let dir = manifest_dir().join("tests/golden/webhook_event/spec");
    let mut files = generator::files::read_spec_dir(&dir).unwrap();
    let api = generator::load(&files).unwrap();
    assert_eq!(generator::warnings(&api), Vec::<String>::new(), "every event of the golden case has an example");
    let events = files.iter_mut().find(|f| f.path.ends_with("events.yaml")).unwrap();
    events.text = events.text.replace("      - { event_type: ping }\n", "");
    let api = generator::load(&files).unwrap();
    let warnings = generator::warnings(&api);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("`ping` has no example") && warnings[0].contains("webhooks trigger ping"),
        "{warnings:?}"
    );
}
