//! The drift observer against the scripted loopback server, with types and shapes written the
//! way the generator writes them.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Method;

use super::drift::{FieldShape, Form, Shape, TypeShape};
use super::read::{self, FromJson, Read, Reader};
use super::test_server::{Reply, TestServer};
use super::*;

const KEY: &str = "rk_test_d41f7a29c6b8e0f3a5d7c9e1";
/// A value that must never reach a report or an event.
const PHONE: &str = "+919812345678";

static TEST_API: ApiConfig =
    ApiConfig { auth_header: "X-API-KEY", base_urls: &[("default", "https://api.example.com")], ..crate::API };

// ---------------------------------------------------------------------------------------
// Types, as generated code writes them.

#[derive(Debug, Clone, PartialEq)]
enum Status {
    Completed,
    Failed,
    Unknown(String),
}

impl FromJson for Status {
    const SHAPE: Shape = Shape::Type(|| {
        static SHAPE: TypeShape = TypeShape { name: "CallStatus", form: Form::Enum(&["completed", "failed"]) };
        &SHAPE
    });
    fn read(reader: &mut Reader<'_>) -> Read<Self> {
        reader.str().map(|text| match &*text {
            "completed" => Status::Completed,
            "failed" => Status::Failed,
            other => Status::Unknown(other.to_owned()),
        })
    }
}

#[derive(Debug, Clone)]
struct Call {
    id: String,
    status: Status,
    duration: Option<i64>,
    note: Option<String>,
}

impl FromJson for Call {
    const SHAPE: Shape = Shape::Type(|| {
        static SHAPE: TypeShape = TypeShape {
            name: "CallRecord",
            form: Form::Object(&[
                FieldShape::new("id", &<String as FromJson>::SHAPE, false, false),
                FieldShape::new("status", &<Status as FromJson>::SHAPE, false, false),
                FieldShape::new("duration", &<i64 as FromJson>::SHAPE, true, false),
                FieldShape::new("note", &<String as FromJson>::SHAPE, true, true),
            ]),
        };
        &SHAPE
    });
    fn read(reader: &mut Reader<'_>) -> Read<Self> {
        const FIELDS: &[&str] = &["id", "status", "duration", "note"];
        let mut next = 0;
        let mut seen = [false; FIELDS.len()];
        let (mut id, mut status, mut duration, mut note) = (None, None, None, None);
        let mut entries = reader.object("struct Call")?;
        while let Some(key) = reader.key(&mut entries)? {
            match de::index_of(&key, FIELDS, &mut next) {
                Some(0) => read::required(reader, &mut id, "id"),
                Some(1) => read::required(reader, &mut status, "status"),
                Some(2) => read::optional(reader, &mut duration, &mut seen[2], "duration"),
                Some(3) => read::optional(reader, &mut note, &mut seen[3], "note"),
                _ => reader.skip(),
            }?;
        }
        match (id, status) {
            (Some(id), Some(status)) => Ok(Call { id, status, duration, note }),
            (None, _) => Err(read::missing(reader, "id")),
            (_, None) => Err(read::missing(reader, "status")),
        }
    }
}

#[derive(Debug, Clone)]
struct CallPage {
    calls: Vec<Call>,
}

impl FromJson for CallPage {
    const SHAPE: Shape = Shape::Type(|| {
        static SHAPE: TypeShape = TypeShape {
            name: "CallHistoryPage",
            form: Form::Object(&[FieldShape::new("calls", &<Vec<Call> as FromJson>::SHAPE, false, false)]),
        };
        &SHAPE
    });
    fn read(reader: &mut Reader<'_>) -> Read<Self> {
        const FIELDS: &[&str] = &["calls"];
        let mut next = 0;
        let mut calls = None;
        let mut entries = reader.object("struct CallPage")?;
        while let Some(key) = reader.key(&mut entries)? {
            match de::index_of(&key, FIELDS, &mut next) {
                Some(0) => read::required(reader, &mut calls, "calls"),
                _ => reader.skip(),
            }?;
        }
        match calls {
            Some(calls) => Ok(CallPage { calls }),
            None => Err(read::missing(reader, "calls")),
        }
    }
}

#[derive(Debug, Clone, Default)]
struct History;

impl Operation for History {
    type Output = CallPage;
    const ENDPOINT: Endpoint = Endpoint {
        name: "calling.history",
        method: Method::GET,
        path: "/calling/history",
        base_url: "default",
        retry: RetrySafety::Safe,
    };
    fn path(&self) -> String {
        "/calling/history".to_owned()
    }
    fn decode(response: Response) -> DecodeFuture<Self::Output> {
        decode_read(response)
    }
}

// ---------------------------------------------------------------------------------------
// Helpers.

#[derive(Default, Clone)]
struct Collect(Arc<Mutex<Vec<Drift>>>);

impl DriftObserver for Collect {
    fn observe(&self, drift: &Drift) {
        self.0.lock().unwrap().push(drift.clone());
    }
}

fn builder(server: &TestServer) -> ClientBuilder {
    Client::builder()
        .api_config(&TEST_API)
        .api_key(KEY)
        .base_url(server.url())
        .retry_policy(RetryPolicy::none())
        .timeout(Duration::from_secs(10))
}

/// Every event (its target, level and fields) as text.
#[derive(Default, Clone)]
struct Events(Arc<Mutex<Vec<String>>>);

struct FieldText(String);

impl tracing::field::Visit for FieldText {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!(" {}={:?}", field.name(), value));
    }
}

impl tracing::Subscriber for Events {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut text = FieldText(format!("{} {}:", event.metadata().target(), event.metadata().level()));
        event.record(&mut text);
        self.0.lock().unwrap().push(text.0);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

/// One report, as a tuple that is easy to compare.
fn brief(d: &Drift) -> (String, DriftKind, Option<&'static str>, Option<JsonType>, Option<String>) {
    (d.path.clone(), d.kind, d.type_name, d.json_type, d.value.clone())
}

const DRIFTED: [&str; 5] = [
    // An extra key holding a phone number.
    r#"{"calls": [{"id": "c1", "status": "completed", "caller_phone": "+919812345678"}]}"#,
    // An unknown enum value.
    r#"{"calls": [{"id": "c2", "status": "on_hold", "duration": 12}]}"#,
    // `null` in a field that may be absent but is never null, and in a nullable one (fine).
    r#"{"calls": [{"id": "c3", "status": "failed", "duration": null, "note": null}]}"#,
    // A required field missing (the decode fails too).
    r#"{"calls": [{"status": "completed"}]}"#,
    // A value of the wrong type (the decode fails too).
    r#"{"calls": [{"id": "c5", "status": "completed", "duration": "+919812345678"}]}"#,
];

#[tokio::test]
async fn the_observer_gets_each_difference_with_path_kind_and_type_and_no_value() {
    let events = Events::default();
    let _guard = tracing::subscriber::set_default(events.clone());
    let server = TestServer::start(DRIFTED.iter().map(|body| Reply::json(200, body)).collect()).await;
    let seen = Collect::default();
    let client = builder(&server).drift_observer(seen.clone()).build().unwrap();
    let mut outcomes = Vec::new();
    for _ in DRIFTED {
        outcomes.push(Request::new(client.clone(), History).await);
    }
    // Drift never fails a request by itself: only the missing field and the wrong type do.
    let ok: Vec<(String, Option<i64>, Option<String>)> = outcomes[..3]
        .iter()
        .map(|page| {
            let call = &page.as_ref().expect("drift alone never fails a request").calls[0];
            (call.id.clone(), call.duration, call.note.clone())
        })
        .collect();
    assert_eq!(ok, [("c1".into(), None, None), ("c2".into(), Some(12), None), ("c3".into(), None, None)]);
    assert!(outcomes[3].as_ref().is_err_and(Error::is_decode), "{:?}", outcomes[3]);
    assert!(outcomes[4].as_ref().is_err_and(Error::is_decode), "{:?}", outcomes[4]);

    let found = seen.0.lock().unwrap().clone();
    let got: Vec<_> = found.iter().map(brief).collect();
    use DriftKind::*;
    let expected = vec![
        ("calls[0].caller_phone".to_owned(), UnknownField, Some("CallRecord"), Some(JsonType::String), None),
        (
            "calls[0].status".to_owned(),
            UnknownEnumValue,
            Some("CallStatus"),
            Some(JsonType::String),
            Some("on_hold".into()),
        ),
        ("calls[0].duration".to_owned(), UnexpectedNull, Some("CallRecord"), Some(JsonType::Null), None),
        ("calls[0].id".to_owned(), MissingField, Some("CallRecord"), None, None),
        ("calls[0].duration".to_owned(), WrongType, None, Some(JsonType::String), None),
    ];
    assert_eq!(got, expected);
    assert!(found.iter().all(|d| d.operation == "calling.history"));
    assert_eq!(found[4].expected, Some("integer"));

    // Nothing of a value but the enum string, in the reports or in the events.
    let reports: Vec<String> = found.iter().flat_map(|d| [d.to_string(), format!("{d:?}")]).collect();
    let events = events.0.lock().unwrap().clone();
    let drift_events: Vec<&String> = events.iter().filter(|e| e.starts_with("ringg::drift DEBUG:")).collect();
    assert_eq!(drift_events.len(), 5, "{events:#?}");
    assert!(
        drift_events[0].contains(r#"path="calls[0].caller_phone""#)
            && drift_events[0].contains(r#"kind="unknown_field""#)
    );
    assert!(drift_events[1].contains(r#"value="on_hold""#), "{}", drift_events[1]);
    // (The decode errors of the last two bodies carry a snippet, as every decode error does;
    // that is the error's business, not drift's.)
    for text in reports.iter().chain(drift_events.iter().copied()) {
        assert!(!text.contains(PHONE) && !text.contains("9812345678"), "a value leaked: {text}");
        assert!(!text.contains("c1") && !text.contains("c5"), "an id leaked: {text}");
        assert!(!text.contains(KEY), "the key leaked: {text}");
    }
}

#[tokio::test]
async fn without_an_observer_nothing_is_reported_and_tracing_only_reports_events() {
    let events = Events::default();
    let _guard = tracing::subscriber::set_default(events.clone());
    let server = TestServer::start(vec![Reply::json(200, DRIFTED[1]), Reply::json(200, DRIFTED[1])]).await;
    let plain = builder(&server).build().unwrap();
    let page = Request::new(plain, History).await.unwrap();
    assert_eq!(page.calls[0].status, Status::Unknown("on_hold".into()));
    assert!(!events.0.lock().unwrap().iter().any(|e| e.contains("::drift")), "{:?}", events.0.lock().unwrap());

    let traced = builder(&server).drift_tracing().build().unwrap();
    Request::new(traced, History).await.unwrap();
    let drift_events: Vec<String> =
        events.0.lock().unwrap().iter().filter(|e| e.starts_with("ringg::drift DEBUG:")).cloned().collect();
    assert_eq!(drift_events.len(), 1, "{drift_events:?}");
    assert!(drift_events[0].contains(r#"operation="calling.history""#), "{}", drift_events[0]);
}

#[test]
fn unions_report_the_member_that_fits_best_and_maps_keep_no_keys() {
    static MEMBERS: [&Shape; 2] = [&<i64 as FromJson>::SHAPE, &<Call as FromJson>::SHAPE];
    static UNION: Shape = Shape::Type(|| {
        static SHAPE: TypeShape = TypeShape { name: "IntOrCall", form: Form::Union(&MEMBERS) };
        &SHAPE
    });
    let value = serde_json::json!({"id": "x", "status": "completed", "extra": true});
    let found = drift::walk("op", &UNION, &value);
    assert_eq!(
        found.iter().map(brief).collect::<Vec<_>>(),
        vec![("extra".to_owned(), DriftKind::UnknownField, Some("CallRecord"), Some(JsonType::Boolean), None)]
    );
    static MAP: Shape = Shape::Map(&<Call as FromJson>::SHAPE);
    let value = serde_json::json!({PHONE: {"id": "x", "status": "lost"}});
    let found = drift::walk("op", &MAP, &value);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].path, "*.status");
    assert!(drift::walk("op", &MAP, &serde_json::json!({})).is_empty());
}
