//! `calling.*`: calls placed one at a time, their history, details and downloads, and
//! pending calls terminated.

use serde_json::{Map, Value, json};

use crate::reply::{
    ApiError, ITEMS_SLOT, Out, Reply, Req, envelope, err, not_found, page, s, text_pairs, unknown, valid_number,
};
use crate::spec::Operation;
use crate::store::{Call, Callback, State};
use crate::views::{details as call_details, filtered_calls, history_row};

use super::retry_delay;

/// `calling.initiate` and `calling.initiate_from_pool`.
pub(crate) fn initiate(st: &mut State, r: &Req) -> Out {
    place(st, r.op, r.body)
}

/// `calling.history`. Pages are assembled from rows rendered once per revision of the store,
/// so a client polling history does not re-serialise unchanged calls.
pub(crate) fn history(st: &mut State, r: &Req) -> Out {
    let rows = filtered_calls(st, r.query)?;
    let total = rows.len();
    let (rows, limit, offset) = page(&rows, r.query);
    st.rows.resize(st.calls.len(), (0, String::new()));
    for &i in &rows {
        if st.rows[i].0 != st.rev {
            st.rows[i] = (st.rev, history_row(st, i).to_string());
        }
    }
    let envelope = envelope(r.op, vec![json!(ITEMS_SLOT)]).to_string();
    let slot = format!("[\"{ITEMS_SLOT}\"]");
    let (before, after) = envelope.split_once(&slot).unwrap_or(("{\"calls\":", "}"));
    let after = after.strip_suffix('}').unwrap_or(after);
    let size: usize = rows.iter().map(|&i| st.rows[i].1.len() + 1).sum();
    let mut out = String::with_capacity(before.len() + size + after.len() + 96);
    out.push_str(before);
    out.push('[');
    for (n, &i) in rows.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        out.push_str(&st.rows[i].1);
    }
    out.push(']');
    out.push_str(after);
    out.push_str(&format!(",\"limit\":{limit},\"offset\":{offset},\"count\":{},\"total\":{total}}}", rows.len()));
    Ok(Reply::Text(out))
}

/// `calling.details`.
pub(crate) fn details(st: &mut State, r: &Req) -> Out {
    let id = r.query.get("id").and_then(Value::as_str).unwrap_or("");
    let i = st.calls.iter().position(|c| c.id == id).ok_or_else(|| not_found("call", id))?;
    let analysis = r.query.get("send_analysis").and_then(Value::as_bool).unwrap_or(false);
    Ok(Reply::Json(json!({ "status": "success", "data": call_details(st, i, analysis) })))
}

/// `calling.download_history`.
pub(crate) fn download_history(st: &mut State, r: &Req) -> Out {
    download(st, r.query)
}

/// `calling.terminate`: pending calls chosen by id, number, agent, campaign or all of them.
pub(crate) fn terminate_calls(st: &mut State, r: &Req) -> Out {
    let b = r.body;
    let strs = |k: &str| -> Vec<String> {
        b[k].as_array().map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect()).unwrap_or_default()
    };
    let (ids, numbers) = (strs("call_ids"), strs("mobile_numbers"));
    let (agent, campaign) = (s(b, "agent_id"), s(b, "campaign_id"));
    let all = r.query.get("terminate_all_calls").and_then(Value::as_bool).unwrap_or(false);
    if !all && ids.is_empty() && numbers.is_empty() && agent.is_empty() && campaign.is_empty() {
        return Err(err(400, "say which calls to terminate: call_ids, mobile_numbers, agent_id or campaign_id"));
    }
    terminate(st, |c| {
        all || ids.contains(&c.id)
            || numbers.contains(&c.to)
            || (!agent.is_empty() && c.agent_id == agent)
            || (!campaign.is_empty() && c.bulk_list_id.as_deref() == Some(campaign))
    })
}

/// `calling.terminate_numbers`.
pub(crate) fn terminate_numbers(st: &mut State, r: &Req) -> Out {
    let numbers: Vec<&str> =
        r.body["mobile_numbers"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    terminate(st, |c| numbers.contains(&c.to.as_str()))
}

fn place(st: &mut State, op: Operation, b: &Value) -> Out {
    let agent_id = s(b, "agent_id").to_string();
    let agent = st.agent(&agent_id).ok_or_else(|| unknown("agent_id", &agent_id))?;
    if s(agent, "agent_type") == "inbound" {
        return Err(err(400, format!("agent `{agent_id}` is an inbound agent and cannot place calls")));
    }
    let call_config = agent["version_details"][s(agent, "active_agent_version_id")]["call_config"].clone();
    let sources: Vec<&str> = ["from_number_id", "from_number", "number_pool_id"]
        .into_iter()
        .filter(|k| b.get(*k).is_some_and(|v| !v.is_null()))
        .collect();
    let from = match (op, sources.as_slice()) {
        (Operation::CallingInitiate | Operation::CallingInitiateFromPool, ["from_number_id"]) => {
            let id = s(b, "from_number_id");
            st.numbers
                .iter()
                .find(|n| n["id"] == id)
                .map(|n| s(n, "number").to_string())
                .ok_or_else(|| unknown("from_number_id", id))?
        }
        (_, ["from_number"]) => s(b, "from_number").to_string(),
        (Operation::CallingInitiateFromPool, ["number_pool_id"]) => {
            let id = s(b, "number_pool_id");
            st.numbers
                .iter()
                .find(|n| n["number_pool_id"] == id)
                .map(|n| s(n, "number").to_string())
                .ok_or_else(|| unknown("number_pool_id", id))?
        }
        _ => {
            let allowed = if op == Operation::CallingInitiate {
                "`from_number_id` or `from_number`"
            } else {
                "`number_pool_id`, `from_number_id` or `from_number`"
            };
            return Err(ApiError {
                status: 422,
                detail: json!([{ "loc": ["body"], "msg": format!("send exactly one of {allowed}; got {}", sources.len()), "type": "value_error" }]),
            });
        }
    };
    let to = s(b, "mobile_number").to_string();
    if !valid_number(&to) {
        return Err(err(
            400,
            format!("mobile_number `{to}` is not a phone number in E.164 form (+ and 8 to 15 digits)"),
        ));
    }
    if st.credits < st.config.credits_per_minute {
        return Err(err(
            402,
            format!(
                "insufficient credits: {} left, a call needs at least {}",
                st.credits, st.config.credits_per_minute
            ),
        ));
    }
    let mut args = b.get("custom_args_values").and_then(Value::as_object).cloned().unwrap_or_default();
    args.entry("callee_name").or_insert_with(|| b["name"].clone());
    args.entry("mobile_number").or_insert_with(|| json!(to));
    let config = b.get("call_config").filter(|c| c.is_object()).unwrap_or(&call_config);
    let retry = retry_delay(config);
    let callback = callback(b)?;
    let i = st.add_call(&agent_id, s(b, "name"), &to, &from, args.clone(), None, retry).map_err(|e| err(400, e))?;
    if let Some(callback) = callback {
        st.set_callback(i, callback);
    }
    if let Some(a) = st.agent_mut(&agent_id) {
        a["call_count"] = json!(a["call_count"].as_i64().unwrap_or(0) + 1);
    }
    let c = &st.calls[i];
    Ok(Reply::Json(json!({
        "status": "success",
        "message": "Call initiated successfully",
        "data": {
            "call_id": c.id, "call_direction": "outbound", "call_status": c.status,
            "initiated_at": crate::time::format(c.created_ms), "agent_id": agent_id, "custom_args_values": args,
        },
    })))
}

/// The per-call status callback of an initiation body: `callback_url`, with
/// `callback_args.params` added to its query string and `callback_args.headers` as headers.
fn callback(b: &Value) -> Result<Option<Callback>, ApiError> {
    let Some(url) = b.get("callback_url").and_then(Value::as_str) else { return Ok(None) };
    let headers = text_pairs(&b["callback_args"]["headers"]);
    if let Some((name, _)) = headers.iter().find(|(k, v)| {
        hyper::header::HeaderName::from_bytes(k.as_bytes()).is_err() || hyper::header::HeaderValue::from_str(v).is_err()
    }) {
        return Err(ApiError {
            status: 422,
            detail: json!([{ "loc": ["body", "callback_args", "headers", name], "msg": "not a valid HTTP header", "type": "value_error" }]),
        });
    }
    let mut url = url.to_string();
    for (i, (k, v)) in text_pairs(&b["callback_args"]["params"]).iter().enumerate() {
        let sep = if i == 0 && !url.contains('?') { '?' } else { '&' };
        // The client's path-segment encoding keeps only unreserved characters, which is as
        // safe in a query component.
        url.push(sep);
        url.push_str(&ringg::runtime::encode_segment(k));
        url.push('=');
        url.push_str(&ringg::runtime::encode_segment(v));
    }
    Ok(Some(Callback { url, headers }))
}

fn terminate(st: &mut State, pick: impl Fn(&Call) -> bool) -> Out {
    let hit: Vec<usize> = (0..st.calls.len()).filter(|&i| st.calls[i].pending() && pick(&st.calls[i])).collect();
    if hit.is_empty() {
        return Err(err(
            400,
            "no pending calls match; only registered calls and calls waiting to retry can be terminated",
        ));
    }
    for i in hit {
        st.cancel(i);
    }
    Ok(Reply::Json(json!({ "message": "Calls terminated successfully!" })))
}

fn download(st: &State, q: &Map<String, Value>) -> Out {
    let rows = filtered_calls(st, q)?;
    let (rows, _, _) = if q.contains_key(crate::spec::LIMIT) { page(&rows, q) } else { (rows, 0, 0) };
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "id",
        "created_at",
        "name",
        "to_number",
        "from_number",
        "status",
        "sub_status",
        "call_duration",
        "call_cost",
        "agent_id",
        "bulk_list_id",
        "voicemail_detected",
    ];
    let write = |w: &mut csv::Writer<Vec<u8>>, rec: Vec<String>| {
        w.write_record(&rec).map_err(|e| err(500, format!("writing CSV failed: {e}")))
    };
    write(&mut w, header.iter().map(|h| h.to_string()).collect())?;
    for i in rows {
        let c = &st.calls[i];
        write(
            &mut w,
            vec![
                c.id.clone(),
                crate::time::format(c.created_ms),
                c.name.clone(),
                c.to.clone(),
                c.from.clone(),
                c.status.into(),
                c.sub_status.into(),
                c.duration_s.to_string(),
                c.cost.to_string(),
                c.agent_id.clone(),
                c.bulk_list_id.clone().unwrap_or_default(),
                c.voicemail.to_string(),
            ],
        )?;
    }
    let bytes = w.into_inner().map_err(|e| err(500, format!("writing CSV failed: {e}")))?;
    Ok(Reply::Bytes("call_history.csv", bytes))
}
