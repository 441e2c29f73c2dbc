//! Analytics computed from the stored calls. Ringg does not document these bodies (the spec
//! types four of them as free JSON), so the shapes here are the emulator's own; they are
//! documented in the crate's README.

use std::collections::BTreeMap;

use serde_json::json;

use crate::reply::{Out, Reply, Req};
use crate::spec::Operation;
use crate::store::{Call, State};
use crate::views::filtered_calls;

/// `analytics.platform`, `analytics.drill_down`, `analytics.numbers`,
/// `analytics.duration_distribution` and `analytics.classification`, over the calls the query
/// selects.
pub(crate) fn analytics(st: &mut State, r: &Req) -> Out {
    let calls: Vec<&Call> = filtered_calls(st, r.query)?.into_iter().map(|i| &st.calls[i]).collect();
    let completed = calls.iter().filter(|c| c.status == "completed").count();
    let duration: f64 = calls.iter().map(|c| c.duration_s).sum();
    let count_by = |key: fn(&Call) -> String| {
        let mut m: BTreeMap<String, u64> = BTreeMap::new();
        for c in &calls {
            *m.entry(key(c)).or_default() += 1;
        }
        json!(m)
    };
    let body = match r.op {
        Operation::AnalyticsPlatform => json!({
            "total_calls": calls.len(),
            "completed_calls": completed,
            "failed_calls": calls.iter().filter(|c| c.status == "failed").count(),
            "voicemail_calls": calls.iter().filter(|c| c.voicemail).count(),
            "total_duration_seconds": duration,
            "average_duration_seconds": if completed == 0 { 0.0 } else { duration / completed as f64 },
            "total_cost": calls.iter().map(|c| c.cost).sum::<f64>(),
            "by_status": count_by(|c| c.status.to_string()),
        }),
        Operation::AnalyticsDrillDown => json!({
            "by_agent": count_by(|c| c.agent_id.clone()),
            "by_sub_status": count_by(|c| c.sub_status.to_string()),
        }),
        Operation::AnalyticsNumbers => {
            json!({ "by_from_number": count_by(|c| c.from.clone()), "by_to_number": count_by(|c| c.to.clone()) })
        }
        Operation::AnalyticsDurationDistribution => {
            let mut buckets: BTreeMap<&str, u64> =
                [("0-30", 0), ("30-60", 0), ("60-120", 0), ("120+", 0)].into_iter().collect();
            for c in calls.iter().filter(|c| c.status == "completed") {
                let b = match c.duration_s {
                    d if d < 30.0 => "0-30",
                    d if d < 60.0 => "30-60",
                    d if d < 120.0 => "60-120",
                    _ => "120+",
                };
                *buckets.entry(b).or_default() += 1;
            }
            json!({ "duration_distribution": buckets })
        }
        // `analytics.classification`.
        _ => {
            json!({ "classifications": { "Completed conversation": completed, "Not reached": calls.len() - completed } })
        }
    };
    Ok(Reply::Json(body))
}
