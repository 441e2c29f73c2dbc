//! The types a hand-written client would declare for the two bench calls: the same wire
//! shapes as `ringg`'s, with serde's derives. The reqwest contender decodes into these, so the
//! bench compares the generated client, written `Deserialize` impls included, with plain
//! derived serde, and a slower decode in the generated types would show as a ratio above 1.
//! Fields are read back (`black_box`) so that none is optimised away. The request body of
//! `calling.initiate` is mirrored the same way, with serde's `Serialize` derive.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `GET /calling/history`.
#[derive(Debug, Deserialize)]
pub struct CallHistoryPage {
    pub calls: Vec<CallRecord>,
    #[serde(default)]
    pub limit: Option<i64>,
    #[serde(default)]
    pub offset: Option<i64>,
    #[serde(default)]
    pub count: Option<i64>,
    pub total: Total,
}

#[derive(Debug, Deserialize)]
pub struct CallRecord {
    pub id: String,
    #[serde(default)]
    pub to_number: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub sub_status: Option<String>,
    #[serde(default)]
    pub transcript: Option<Transcript>,
    #[serde(default)]
    pub audio_recording: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub agent: Option<CallAgent>,
    #[serde(default)]
    pub call_duration: Option<f64>,
    #[serde(default)]
    pub call_attempt_time: Option<String>,
    #[serde(default)]
    pub call_cost: Option<f64>,
    #[serde(default)]
    pub call_type: Option<String>,
    #[serde(default)]
    pub inbound_from: Option<String>,
    #[serde(default)]
    pub credits_processed: Option<bool>,
    #[serde(default)]
    pub from_numbers: Option<Vec<String>>,
    #[serde(default)]
    pub voicemail_detected: Option<bool>,
}

#[derive(Debug, Deserialize)]
pub struct CallAgent {
    pub id: String,
    #[serde(default)]
    pub agent_name: Option<String>,
    #[serde(default)]
    pub agent_version_id: Option<String>,
    #[serde(default)]
    pub orchestration_mode: Option<String>,
    #[serde(default)]
    pub version: Option<CallAgentVersion>,
}

#[derive(Debug, Deserialize)]
pub struct CallAgentVersion {
    #[serde(default)]
    pub version_id: Option<String>,
    #[serde(default)]
    pub version_slug: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Transcript {
    Text(String),
    Turns(Vec<TranscriptTurn>),
}

#[derive(Debug, Deserialize)]
pub struct TranscriptTurn {
    #[serde(default)]
    pub bot: Option<String>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub message_id: Option<serde_json::Value>,
    #[serde(default)]
    pub timestamp: Option<serde_json::Value>,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub content: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Total {
    Count(i64),
    Text(String),
}

/// `GET /workspace`.
#[derive(Debug, Deserialize)]
pub struct WorkspaceInfoResponse {
    pub workspace_info: WorkspaceInfo,
}

#[derive(Debug, Deserialize)]
pub struct WorkspaceInfo {
    pub id: String,
    pub name: String,
    pub created_at: String,
    pub credits: f64,
    pub locked_credits: f64,
    #[serde(default)]
    pub api_key: Option<String>,
}

/// `POST /calling/outbound/individual`, as a hand-written client would declare it: the caller
/// number as a plain field.
#[derive(Debug, Serialize)]
pub struct InitiateCall {
    pub name: String,
    pub mobile_number: String,
    pub agent_id: String,
    pub from_number: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_args_values: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
}
