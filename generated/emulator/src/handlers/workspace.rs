//! `workspace.*`, `numbers.list` and `voices.list`: the workspace, its users, numbers and
//! voices.

use serde_json::{Value, json};

use crate::reply::{Out, Reply, Req, envelope, page};
use crate::store::State;

/// `workspace.get`: the workspace with its live balance and key.
pub(crate) fn get(st: &mut State, _r: &Req) -> Out {
    let mut w = st.workspace.clone();
    w["credits"] = json!(st.credits);
    w["locked_credits"] = json!(locked(st));
    w["api_key"] = json!(st.key);
    Ok(Reply::Json(json!({ "workspace_info": w })))
}

/// `workspace.list`: the workspaces of the key, the first one this emulator's.
pub(crate) fn list(st: &mut State, _r: &Req) -> Out {
    let mut list = st.workspaces.clone();
    if let Some(first) = list["workspaces"].get_mut(0) {
        first["credits"] = json!(st.credits);
        first["locked_credits"] = json!(locked(st));
    }
    Ok(Reply::Json(list))
}

/// `workspace.users`.
pub(crate) fn users(st: &mut State, r: &Req) -> Out {
    Ok(Reply::Json(envelope(r.op, page(&st.users, r.query).0)))
}

/// `workspace.regenerate_api_key`: a new key, which replaces the old one at once.
pub(crate) fn regenerate_api_key(st: &mut State, _r: &Req) -> Out {
    st.key = st.new_key();
    Ok(Reply::Json(json!({ "new_api_key": st.key })))
}

/// `numbers.list`.
pub(crate) fn numbers(st: &mut State, r: &Req) -> Out {
    Ok(Reply::Json(envelope(r.op, page(&st.numbers, r.query).0)))
}

/// `voices.list`, filtered by `language` (a comma-separated list).
pub(crate) fn voices(st: &mut State, r: &Req) -> Out {
    let wanted: Vec<&str> = r
        .query
        .get("language")
        .and_then(Value::as_str)
        .map(|l| l.split(',').map(str::trim).collect())
        .unwrap_or_default();
    let voices = st
        .voices
        .iter()
        .filter(|v| {
            wanted.is_empty()
                || v["languages"]
                    .as_array()
                    .is_some_and(|ls| ls.iter().any(|l| wanted.contains(&l.as_str().unwrap_or(""))))
        })
        .cloned()
        .collect();
    Ok(Reply::Json(json!({ "voices": Value::Array(voices) })))
}

/// Credits held for calls that are placed but not finished: one minute each.
fn locked(st: &State) -> f64 {
    st.calls.iter().filter(|c| !c.settled()).count() as f64 * st.config.credits_per_minute
}
