//! `campaigns.*` and `contacts.delete_list`: contact lists and large uploads saved from CSV,
//! checked, started (now or in a window) and deleted.

use serde_json::{Map, Value, json};

use crate::reply::{ApiError, Out, Reply, Req, envelope, err, not_found, page, s, unknown, valid_number};
use crate::spec::Operation;
use crate::store::{Campaign, Event, PROCESSING_STEP_MS, State};
use crate::views::{campaign_json, upload_json};

use super::{bad_file, file, retry_delay};

/// `campaigns.save` and `campaigns.upload_csv`.
pub(crate) fn save(st: &mut State, r: &Req) -> Out {
    save_campaign(st, r.op, r)
}

/// `campaigns.start` and `campaigns.start_from_pool`.
pub(crate) fn start(st: &mut State, r: &Req) -> Out {
    start_campaign(st, r.body)
}

/// `campaigns.start_calls`: a large upload's calls.
pub(crate) fn start_calls(st: &mut State, r: &Req) -> Out {
    start_large(st, r.body)
}

/// `campaigns.list`: contact lists, not large uploads.
pub(crate) fn list(st: &mut State, r: &Req) -> Out {
    let with_counts = r.query.get("call_count").and_then(Value::as_bool).unwrap_or(true);
    let items: Vec<Value> = st
        .campaigns
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.large && !c.deleted)
        .map(|(i, _)| campaign_json(st, i, with_counts))
        .collect();
    let total = items.len();
    let (items, limit, offset) = page(&items, r.query);
    let mut out = envelope(r.op, items);
    out["pagination"] = json!({ "limit": limit, "offset": offset, "total": total });
    Ok(Reply::Json(out))
}

/// `campaigns.upload_status`.
pub(crate) fn upload_status(st: &mut State, r: &Req) -> Out {
    let c = upload(st, r.path("bulk_list_id"))?;
    Ok(Reply::Json(upload_json(st, c)))
}

/// `campaigns.check_balance`: a minute of credits per row.
pub(crate) fn check_balance(st: &mut State, r: &Req) -> Out {
    let c = upload(st, r.path("bulk_list_id"))?;
    let required = st.campaigns[c].rows.len() as f64 * st.config.credits_per_minute;
    let ok = st.credits >= required;
    Ok(Reply::Json(json!({
        "status": if st.campaigns[c].started { "ongoing" } else { "draft" },
        "bulk_list_id": st.campaigns[c].id,
        "message": if ok { "Sufficient balance" } else { "Insufficient balance" },
        "required_credits": required,
        "available_credits": st.credits,
        "sufficient_balance": ok,
    })))
}

/// `contacts.delete_list`: only a list no campaign has started from.
pub(crate) fn delete_list(st: &mut State, r: &Req) -> Out {
    let id = r.path("list_id");
    let c = st
        .campaigns
        .iter()
        .position(|c| c.id == id && !c.large && !c.deleted)
        .ok_or_else(|| not_found("contact list", id))?;
    if st.campaigns[c].started {
        return Err(err(400, "the contact list belongs to a started campaign and cannot be deleted"));
    }
    st.campaigns[c].rows.clear();
    st.campaigns[c].deleted = true;
    Ok(Reply::Json(json!({ "message": "Contact list deleted successfully", "list_id": id })))
}

/// Largest campaign CSV the emulator takes.
const MAX_CSV_BYTES: usize = 5_000_000;

fn save_campaign(st: &mut State, op: Operation, r: &Req) -> Out {
    let b = r.body;
    let agent_id = s(b, "agent_id").to_string();
    if st.agent(&agent_id).is_none() {
        return Err(unknown("agent_id", &agent_id));
    }
    let part = file(r, "file")?;
    if part.data.len() > MAX_CSV_BYTES {
        return Err(bad_file(
            "file",
            format!("the CSV is {} bytes; the emulator takes at most {MAX_CSV_BYTES}", part.data.len()),
        ));
    }
    let text = std::str::from_utf8(&part.data)
        .map_err(|_| bad_file("file", "the file is not CSV: it is not UTF-8 text".into()))?;
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| bad_file("file", format!("the file is not CSV: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if headers.iter().all(String::is_empty) {
        return Err(bad_file("file", "the file is not CSV: it has no header row".into()));
    }
    let map: Map<String, Value> = b["variables_map"].as_object().cloned().unwrap_or_default();
    let number_col = match map.get("mobile_number").and_then(Value::as_str) {
        Some(col) => headers.iter().position(|h| h == col).ok_or_else(|| {
            bad_file("file", format!("variables_map maps mobile_number to the column `{col}`, which the CSV does not have (columns: {})", headers.join(", ")))
        })?,
        None => headers
            .iter()
            .position(|h| ["mobile_number", "mobile number", "phone", "phone_number", "phone number", "number"].contains(&h.to_ascii_lowercase().as_str()))
            .ok_or_else(|| {
                bad_file(
                    "file",
                    format!("the CSV has no mobile number column (columns: {}); name one `mobile_number` or map it with variables_map {{\"mobile_number\": \"<column>\"}}", headers.join(", ")),
                )
            })?,
    };
    let prefix = s(b, "country_code").to_string();
    let mut rows = Vec::new();
    let mut bad = Vec::new();
    for (n, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| bad_file("file", format!("the file is not valid CSV at row {}: {e}", n + 2)))?;
        let raw: String =
            rec.get(number_col).unwrap_or("").chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
        let number = if raw.starts_with('+') || raw.is_empty() { raw } else { format!("{prefix}{raw}") };
        if !valid_number(&number) {
            bad.push(n + 2);
            continue;
        }
        let mut row = Map::new();
        for (h, v) in headers.iter().zip(rec.iter()) {
            let var = map.iter().find(|(_, col)| col.as_str() == Some(h)).map_or(h.as_str(), |(k, _)| k.as_str());
            row.insert(var.to_string(), json!(v));
        }
        row.insert("mobile_number".into(), json!(number));
        rows.push(row);
    }
    let remove = b["remove_invalid_rows"].as_bool().unwrap_or(false);
    if !bad.is_empty() && !remove {
        let lines: Vec<String> = bad.iter().map(usize::to_string).collect();
        return Err(bad_file(
            "file",
            format!(
                "rows {} have no valid mobile number; fix them or send remove_invalid_rows=true to drop them",
                lines.join(", ")
            ),
        ));
    }
    let total = rows.len() + bad.len();
    let large = op == Operation::CampaignsUploadCsv;
    let window = campaign_window(st, b)?;
    let id = st.new_id();
    let created = st.now_ms;
    st.campaigns.push(Campaign {
        id: id.clone(),
        name: s(b, "campaign_name").to_string(),
        agent_id,
        rows,
        failed_rows: bad.len(),
        created_ms: created,
        start_time: b.get("campaign_start_time").and_then(Value::as_str).map(str::to_string),
        end_time: b.get("campaign_end_time").and_then(Value::as_str).map(str::to_string),
        window,
        started: false,
        large,
        deleted: false,
        upload_status: if large { "uploaded" } else { "ready" },
        concurrency: st.config.campaign_concurrency,
        calls: Vec::new(),
    });
    let c = st.campaigns.len() - 1;
    if large {
        st.schedule(created.saturating_add(PROCESSING_STEP_MS), Event::Upload(c));
        return Ok(Reply::Json(upload_json(st, c)));
    }
    let camp = &st.campaigns[c];
    Ok(Reply::Json(json!({
        "message": "Contacts imported successfully!",
        "list_id": id,
        "custom_args_values": camp.rows,
        "total_rows": total,
        "successful_rows": camp.rows.len(),
        "failed_rows": camp.failed_rows,
    })))
}

fn upload(st: &State, id: &str) -> Result<usize, ApiError> {
    st.campaigns.iter().position(|c| c.id == id && c.large).ok_or_else(|| not_found("upload", id))
}

/// Places one call per row of a campaign; the campaign's concurrency decides how many ring at
/// once. Everything is checked first (the agent, credits, the call cap, the retry delay) and
/// only then is anything changed, so a refused start leaves the campaign as it was.
fn launch(st: &mut State, c: usize, agent_id: &str, from: &str, concurrency: Option<usize>) -> Result<(), ApiError> {
    let agent = st.agent(agent_id).ok_or_else(|| unknown("agent_id", agent_id))?;
    let retry = retry_delay(&agent["version_details"][s(agent, "active_agent_version_id")]["call_config"]);
    let rows = st.campaigns[c].rows.len();
    let needed = rows as f64 * st.config.credits_per_minute;
    if st.credits < needed {
        return Err(err(
            402,
            format!("insufficient credits: the campaign needs {needed}, the workspace has {}", st.credits),
        ));
    }
    if st.calls.len().saturating_add(rows) > st.config.max_calls {
        return Err(err(
            400,
            format!(
                "starting this campaign would store more than {} calls, the emulator's cap; start it with a higher max_calls",
                st.config.max_calls
            ),
        ));
    }
    let camp = &mut st.campaigns[c];
    camp.agent_id = agent_id.to_string();
    if let Some(n) = concurrency {
        camp.concurrency = n.max(1);
    }
    camp.started = true;
    let (opens, closes) = camp.window;
    for at in [opens, closes].into_iter().flatten() {
        st.schedule(at, Event::Campaign(c));
    }
    for row in st.campaigns[c].rows.clone() {
        let name = row.get("callee_name").and_then(Value::as_str).unwrap_or("").to_string();
        let to = s(&Value::Object(row.clone()), "mobile_number").to_string();
        // Cannot fail: the cap was checked above for every row.
        if let Ok(i) = st.add_call(agent_id, &name, &to, from, row, Some(c), retry) {
            st.campaigns[c].calls.push(i);
        }
    }
    for j in st.pump_campaign(c) {
        st.schedule(st.now_ms, Event::Deliver(j));
    }
    Ok(())
}

/// A campaign's window from a body's `campaign_start_time` and `campaign_end_time`
/// (`DD/MM/YYYY, HH:MM` in `call_config.call_time.timezone`, by default `Asia/Kolkata`):
/// 400 naming the field when a time is not in that form, the start is past, or the end is not
/// after the start.
fn campaign_window(st: &State, b: &Value) -> Result<(Option<u64>, Option<u64>), ApiError> {
    let zone = b["call_config"]["call_time"]["timezone"].as_str().unwrap_or("Asia/Kolkata");
    let bad = |field: &str, msg: String| ApiError {
        status: 400,
        detail: json!([{ "loc": ["body", field], "msg": msg, "type": "value_error" }]),
    };
    let read = |field: &str| -> Result<Option<i64>, ApiError> {
        match b.get(field).and_then(Value::as_str) {
            None => Ok(None),
            Some(t) => crate::time::campaign_time(t, zone).map(Some).ok_or_else(|| {
                bad(
                    field,
                    format!(
                        "`{t}` is not a time `DD/MM/YYYY, HH:MM` in the time zone `{zone}` (the emulator knows {})",
                        crate::time::zone_names()
                    ),
                )
            }),
        }
    };
    let (start, end) = (read("campaign_start_time")?, read("campaign_end_time")?);
    let now = i64::try_from(st.now_ms).unwrap_or(i64::MAX);
    if let Some(s) = start.filter(|&s| s < now) {
        return Err(bad(
            "campaign_start_time",
            format!("the start {} is in the past (now is {})", crate::time::format(s.max(0) as u64), st.now()),
        ));
    }
    if let (Some(s), Some(e)) = (start, end)
        && e <= s
    {
        return Err(bad("campaign_end_time", "the end must be after the start".into()));
    }
    let ms = |v: Option<i64>| v.map(|v| u64::try_from(v).unwrap_or(0));
    Ok((ms(start), ms(end)))
}

fn first_number(st: &State, b: &Value) -> String {
    b["from_numbers"][0].as_str().map(str::to_string).unwrap_or_else(|| {
        let pool = s(b, "number_pool_id");
        st.numbers
            .iter()
            .find(|n| pool.is_empty() || n["number_pool_id"] == pool)
            .map(|n| s(n, "number").to_string())
            .unwrap_or_default()
    })
}

fn start_campaign(st: &mut State, b: &Value) -> Out {
    let id = s(b, "list_id");
    let c =
        st.campaigns.iter().position(|c| c.id == id && !c.large && !c.deleted).ok_or_else(|| unknown("list_id", id))?;
    let agent = s(b, "agent_id");
    if st.agent(agent).is_none() {
        return Err(unknown("agent_id", agent));
    }
    if st.campaigns[c].started {
        return Err(err(400, "the campaign has already been started"));
    }
    let from = first_number(st, b);
    launch(st, c, agent, &from, None)?;
    let ongoing = st.calls.iter().any(|c| c.status == "ongoing");
    Ok(Reply::Json(json!({ "status": "campaign registered successfully!", "has_ongoing_calls": ongoing })))
}

fn start_large(st: &mut State, b: &Value) -> Out {
    let has = |k: &str| b.get(k).is_some_and(|v| !v.is_null());
    if has("from_numbers") == has("number_pool_id") {
        return Err(ApiError {
            status: 422,
            detail: json!([{ "loc": ["body"], "msg": "send exactly one of `from_numbers` and `number_pool_id`", "type": "value_error" }]),
        });
    }
    let id = s(b, "bulk_list_id");
    let c = st.campaigns.iter().position(|c| c.id == id && c.large).ok_or_else(|| unknown("bulk_list_id", id))?;
    if st.campaigns[c].upload_status != "ready" {
        return Err(err(
            400,
            format!("the upload is `{}`, not `ready`; poll upload_status until it is", st.campaigns[c].upload_status),
        ));
    }
    let agent = s(b, "agent_id");
    if st.agent(agent).is_none() {
        return Err(unknown("agent_id", agent));
    }
    let window = campaign_window(st, b)?;
    // `concurrency_percentage` is 0 to 100 by the schema; the float-to-integer conversion
    // saturates, so no value can overflow.
    let concurrency = b["concurrency_percentage"]
        .as_f64()
        .map(|p| (st.campaigns[c].rows.len() as f64 * p.clamp(0.0, 100.0) / 100.0).ceil() as usize);
    let from = first_number(st, b);
    let kept = std::mem::replace(&mut st.campaigns[c].window, window);
    if let Err(e) = launch(st, c, agent, &from, concurrency) {
        st.campaigns[c].window = kept;
        return Err(e);
    }
    if let Some(t) = b.get("campaign_start_time").and_then(Value::as_str) {
        st.campaigns[c].start_time = Some(t.to_string());
    }
    if let Some(t) = b.get("campaign_end_time").and_then(Value::as_str) {
        st.campaigns[c].end_time = Some(t.to_string());
    }
    st.campaigns[c].upload_status = "completed";
    Ok(Reply::Json(
        json!({ "message": "Campaign calls scheduled", "bulk_list_id": st.campaigns[c].id, "status": "ongoing" }),
    ))
}
