//! `knowledge_bases.*`: knowledge bases of files, URLs and FAQs, ingested on the clock.

use serde_json::{Value, json};

use crate::reply::{ApiError, Out, Reply, Req, err, not_found, s};
use crate::store::{Event, PROCESSING_STEP_MS, State, version_mut};

use super::bad_file;

/// `knowledge_bases.list`.
pub(crate) fn list(st: &mut State, _r: &Req) -> Out {
    let list: Vec<Value> = st
        .kbs
        .iter()
        .filter(|k| !k["kb_id"].is_null())
        .map(|k| json!({ "kb_id": k["kb_id"], "kb_name": k["kb_name"], "type": "document", "created_at": k["created_at"] }))
        .collect();
    Ok(Reply::Json(Value::Array(list)))
}

/// `knowledge_bases.get`.
pub(crate) fn get(st: &mut State, r: &Req) -> Out {
    let id = r.path("kb_id");
    let k = st.kbs.iter().find(|k| k["kb_id"] == id).ok_or_else(|| not_found("knowledge base", id))?;
    Ok(Reply::Json(k.clone()))
}

/// `knowledge_bases.delete`: also detached from every agent that used it.
pub(crate) fn delete(st: &mut State, r: &Req) -> Out {
    let id = r.path("kb_id").to_string();
    let k = st.kbs.iter().position(|k| k["kb_id"] == id.as_str()).ok_or_else(|| not_found("knowledge base", &id))?;
    // Later events address knowledge bases by index: keep the slot, mark it deleted.
    st.kbs[k] = json!({ "kb_id": Value::Null, "deleted": id });
    for a in &mut st.agents {
        let v = version_mut(a);
        if let Some(list) = v["knowledge_bases"].as_array_mut() {
            list.retain(|x| x != &json!(id));
        }
    }
    Ok(Reply::Json(json!({ "message": "Knowledge base deleted successfully", "kb_id": id })))
}

/// `knowledge_bases.create`.
pub(crate) fn create(st: &mut State, r: &Req) -> Out {
    create_kb(st, r)
}

/// `knowledge_bases.edit`.
pub(crate) fn edit(st: &mut State, r: &Req) -> Out {
    edit_kb(st, r)
}

/// Largest knowledge-base file, and all files of one request together.
const KB_FILE_MAX: usize = 2_000_000;

const KB_TOTAL_MAX: usize = 5_000_000;

/// A request's new knowledge-base items: files, URLs and FAQs.
type KbItems = (Vec<Value>, Vec<Value>, Vec<Value>);

fn kb_items(st: &mut State, r: &Req, files_key: &str, urls_key: &str, faqs_key: &str) -> Result<KbItems, ApiError> {
    let parts = r.files.get(files_key).map(Vec::as_slice).unwrap_or(&[]);
    if parts.len() > 10 {
        return Err(bad_file(files_key, format!("{} files sent; at most 10 per request", parts.len())));
    }
    let total: usize = parts.iter().map(|p| p.data.len()).sum();
    if let Some(p) = parts.iter().find(|p| p.data.len() > KB_FILE_MAX) {
        return Err(bad_file(
            files_key,
            format!(
                "`{}` is {} bytes; at most {KB_FILE_MAX} per file",
                p.file_name.as_deref().unwrap_or(""),
                p.data.len()
            ),
        ));
    }
    if total > KB_TOTAL_MAX {
        return Err(bad_file(files_key, format!("the files total {total} bytes; at most {KB_TOTAL_MAX} per request")));
    }
    let mut files = Vec::new();
    for p in parts {
        let name = p.file_name.clone().unwrap_or_else(|| "file".into());
        let ext = name.rsplit('.').next().unwrap_or("").to_string();
        files.push(json!({ "file_id": st.new_id(), "file_type": ext, "file_size": p.data.len(), "filename": name }));
    }
    let urls: Vec<Value> = r.body[urls_key].as_array().cloned().unwrap_or_default();
    if urls.len() > 20 {
        return Err(bad_file(urls_key, format!("{} URLs sent; at most 20 per request", urls.len())));
    }
    let urls = urls.into_iter().map(|u| json!({ "file_id": st.new_id(), "file_type": "url", "url": u })).collect();
    let faqs = r.body[faqs_key]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|f| json!({ "file_id": st.new_id(), "file_type": "faq", "content": f }))
        .collect();
    Ok((files, urls, faqs))
}

fn create_kb(st: &mut State, r: &Req) -> Out {
    let (files, urls, faqs) = kb_items(st, r, "files", "urls", "faqs")?;
    let queued = files.len() + urls.len() + faqs.len();
    if queued == 0 {
        return Err(err(400, "a knowledge base needs at least one file, URL or FAQ"));
    }
    let id = st.new_id();
    let now = st.now();
    st.kbs.push(json!({
        "kb_id": id, "kb_name": r.body["kb_name"], "status": "pending", "created_at": now, "updated_at": now,
        "files": files, "urls": urls, "faqs": faqs,
    }));
    let k = st.kbs.len() - 1;
    st.schedule(st.now_ms.saturating_add(PROCESSING_STEP_MS), Event::Kb(k));
    Ok(Reply::Json(
        json!({ "kb_id": id, "processing_status": "pending", "files_queued": queued, "message": "Knowledge base created" }),
    ))
}

fn edit_kb(st: &mut State, r: &Req) -> Out {
    let id = s(r.body, "kb_id").to_string();
    let k = st.kbs.iter().position(|k| k["kb_id"] == id.as_str()).ok_or_else(|| not_found("knowledge base", &id))?;
    let (files, urls, faqs) = kb_items(st, r, "new_files", "new_urls", "new_faqs")?;
    let mut removed = 0;
    for (list, key) in [("files", "files_to_remove"), ("urls", "urls_to_remove"), ("faqs", "faqs_to_remove")] {
        let gone: Vec<Value> = r.body[key].as_array().cloned().unwrap_or_default();
        if let Some(items) = st.kbs[k][list].as_array_mut() {
            let before = items.len();
            items.retain(|it| !gone.contains(&it["file_id"]) && !gone.contains(&it["url"]));
            removed += before - items.len();
        }
    }
    let queued = files.len() + urls.len() + faqs.len();
    for (list, new) in [("files", files.clone()), ("urls", urls), ("faqs", faqs)] {
        if let Some(items) = st.kbs[k][list].as_array_mut() {
            items.extend(new);
        }
    }
    st.kbs[k]["updated_at"] = json!(st.now());
    if queued > 0 {
        st.kbs[k]["status"] = json!("pending");
        st.schedule(st.now_ms.saturating_add(PROCESSING_STEP_MS), Event::Kb(k));
    }
    Ok(Reply::Json(json!({ "items_removed": removed, "new_files_queued": queued, "new_files": files })))
}
