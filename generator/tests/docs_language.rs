//! What the generated docs say about where a fact comes from: nothing. A spec `doc` tells users
//! what is known and marks what is only inferred or unconfirmed; where the maintainers read it
//! belongs in `note`, which no generated file carries.

use generator::SourceFile;

/// The generator's folder, read when the test runs (cargo sets it).
fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map(std::path::PathBuf::from).expect("cargo test sets CARGO_MANIFEST_DIR")
}

/// Phrases that name a source instead of stating a fact, and the sources' own names.
const SOURCE_TALK: &[&str] = &[
    "skill file",
    "skill guide",
    "skill.md",
    "one source",
    "another source",
    "third-party",
    "third party",
    "live-verified",
    "ringg-mcp",
    "mindcloud",
];

/// Every generated file (the crate, the emulator, the command line, the OpenAPI document, the
/// schema) as `(path, text)`, generated from `files`.
fn generated(files: &[SourceFile]) -> Vec<(String, String)> {
    let out = generator::generate(files).unwrap_or_else(|d| panic!("the spec does not load:\n{d}"));
    assert!(!out.is_empty(), "the generator produced no files");
    out.into_iter().map(|f| (f.path, f.contents)).collect()
}

/// `(path, line number, line)` of each line of `files` that contains one of `needles`,
/// case-insensitively.
fn lines_with(files: &[(String, String)], needles: &[&str]) -> Vec<String> {
    let mut hits = Vec::new();
    for (path, text) in files {
        for (n, line) in text.lines().enumerate() {
            let lower = line.to_lowercase();
            if needles.iter().any(|w| lower.contains(&w.to_lowercase())) {
                hits.push(format!("{path}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    hits
}

#[test]
fn shipped_docs_never_name_a_source() {
    let spec = generator::files::read_spec_dir(&manifest_dir().join("../spec")).unwrap_or_else(|e| panic!("{e}"));
    let files = generated(&spec);
    // The check can fail: the generated crate does carry the spec's docs.
    assert!(
        !lines_with(&files, &["call_completed"]).is_empty(),
        "the generated files carry none of the spec's docs, so this test checks nothing"
    );
    let hits = lines_with(&files, SOURCE_TALK);
    assert!(
        hits.is_empty(),
        "generated docs name where a fact was read; move that to the spec's `note` and keep the fact \
         (marked \"(inferred)\" or \"unconfirmed\") in `doc`:\n{}",
        hits.join("\n")
    );
}

/// A spec with a `note` in every place that takes one, each holding a marker of its own, and a
/// `doc` beside it that must still be emitted.
const NOTED_SPEC: &str = r#"
api:
  name: noted
  title: Noted
  version: 0.1.0
  api_version: v1
  doc: The noted API. DOC_API.
  note: NOTE_API
  base_urls: { default: "https://api.example.com/v1" }
  auth: { header: X-API-KEY, env: NOTED_API_KEY }
  pagination: { limit: limit, offset: offset, default_limit: 20, max_limit: 100 }
errors:
  "404": { name: NotFound, doc: Not there. DOC_ERROR., note: NOTE_ERROR }
types:
  Thing:
    doc: A thing. DOC_TYPE.
    note: NOTE_TYPE
    fields:
      id: { type: string, doc: "The id. DOC_FIELD.", note: NOTE_FIELD }
      kind: { type: Kind, optional: true, doc: The kind. }
      source: { type: Source, flatten: true, doc: Where it is from. }
  Kind:
    doc: A kind. DOC_ENUM.
    note: NOTE_ENUM
    enum:
      small: Small.
      large: Large.
  Source:
    doc: Exactly one source.
    one_of:
      url: { type: string, doc: "A URL. DOC_ONE_OF.", note: NOTE_ONE_OF }
      path: { type: string, doc: A path. }
  Event:
    doc: An event.
    tag: event_type
    open: true
    variants:
      made: { type: Thing, doc: "Made. DOC_VARIANT.", note: NOTE_VARIANT }
  Options:
    doc: Widget options.
    fields:
      key: { type: string, doc: The key. }
resources:
  things:
    doc: Things. DOC_RESOURCE.
    note: NOTE_RESOURCE
    endpoints:
      get:
        doc: Get a thing. DOC_ENDPOINT.
        note: NOTE_ENDPOINT
        method: GET
        path: /things/{id}
        path_params:
          id: { type: string, doc: "Its id. DOC_PATH_PARAM.", note: NOTE_PATH_PARAM }
        query:
          verbose: { type: boolean, optional: true, doc: "More detail. DOC_QUERY_PARAM.", note: NOTE_QUERY_PARAM }
        response: { type: Thing }
        errors: { "404": No such thing. }
webhooks:
  doc: Events. DOC_WEBHOOKS.
  note: NOTE_WEBHOOKS
  event: Event
webcall:
  doc: The widget. DOC_WEBCALL.
  note: NOTE_WEBCALL
  options: Options
  script_url: "https://cdn.example.com/w@{version}/w.js"
  style_url: "https://cdn.example.com/w@{version}/w.css"
  default_version: "1.0.0"
"#;

#[test]
fn notes_are_never_emitted_and_docs_are() {
    let spec = [SourceFile { path: "spec/noted.yaml".into(), text: NOTED_SPEC.into() }];
    let files = generated(&spec);
    let notes = lines_with(&files, &["NOTE_"]);
    assert!(notes.is_empty(), "a spec `note` reached a generated file:\n{}", notes.join("\n"));
    let places = [
        "API",
        "ERROR",
        "TYPE",
        "FIELD",
        "ENUM",
        "ONE_OF",
        "VARIANT",
        "RESOURCE",
        "ENDPOINT",
        "PATH_PARAM",
        "QUERY_PARAM",
        "WEBHOOKS",
        "WEBCALL",
    ];
    for place in places {
        let marker = format!("DOC_{place}");
        assert!(
            !lines_with(&files, &[&marker]).is_empty(),
            "the `doc` beside the `note` of {place} is missing from every generated file"
        );
    }
}
