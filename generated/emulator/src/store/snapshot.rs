//! The store saved to a file and read back (`--state FILE`, [`EmulatorBuilder::state_file`]):
//! everything but the settings fixed at start, the staged faults and the rendering cache. A
//! file is checked as it is read (its format, and that every index it holds points into the
//! store), so a damaged file is refused at start rather than failing on a later event.
//!
//! [`EmulatorBuilder::state_file`]: crate::EmulatorBuilder::state_file

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, VecDeque};
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Call, Campaign, Config, Event, Job, State};
use crate::staging::CallOutcome;

/// The format's version; a file of another version is refused.
const FORMAT: u32 = 1;

/// What a state file holds.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Snapshot {
    format: u32,
    now_ms: u64,
    seed: u64,
    counter: u64,
    keys: u64,
    event_seq: u64,
    key: String,
    workspace: Value,
    workspaces: Value,
    credits: f64,
    users: Vec<Value>,
    numbers: Vec<Value>,
    voices: Vec<Value>,
    agents: Vec<Value>,
    calls: Vec<Call>,
    campaigns: Vec<Campaign>,
    kbs: Vec<Value>,
    events: Vec<(u64, u64, Event)>,
    outcomes: BTreeMap<String, CallOutcome>,
    default_outcome: CallOutcome,
    jobs: Vec<Job>,
    next_job: u64,
    finished: Vec<Job>,
    retired_agents: Vec<Value>,
    rev: u64,
}

impl State {
    /// Writes the store to `path` as JSON, through a file beside it renamed into place, so a
    /// crash while saving leaves the previous file whole.
    pub(crate) fn save(&self, path: &Path) -> std::io::Result<()> {
        let mut events: Vec<(u64, u64, Event)> = self.events.iter().map(|Reverse(e)| e.clone()).collect();
        events.sort();
        let mut jobs: Vec<Job> = self.jobs.values().cloned().collect();
        jobs.sort_by_key(|j| j.id);
        let snapshot = Snapshot {
            format: FORMAT,
            now_ms: self.now_ms,
            seed: self.seed,
            counter: self.counter,
            keys: self.keys,
            event_seq: self.event_seq,
            key: self.key.clone(),
            workspace: self.workspace.clone(),
            workspaces: self.workspaces.clone(),
            credits: self.credits,
            users: self.users.clone(),
            numbers: self.numbers.clone(),
            voices: self.voices.clone(),
            agents: self.agents.clone(),
            calls: self.calls.clone(),
            campaigns: self.campaigns.clone(),
            kbs: self.kbs.clone(),
            events,
            outcomes: self.outcomes.iter().map(|(k, v)| (k.clone(), *v)).collect(),
            default_outcome: self.default_outcome,
            jobs,
            next_job: self.next_job,
            finished: self.finished.iter().cloned().collect(),
            retired_agents: self.retired_agents.clone(),
            rev: self.rev,
        };
        let text = serde_json::to_vec(&snapshot).map_err(std::io::Error::other)?;
        let mut partial = path.as_os_str().to_owned();
        partial.push(".partial");
        std::fs::write(&partial, text)?;
        std::fs::rename(&partial, path)
    }

    /// Reads a store saved by [`State::save`], with the settings fixed at this start.
    pub(crate) fn load(path: &Path, config: Config) -> Result<State, String> {
        let text = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let s: Snapshot = serde_json::from_slice(&text)
            .map_err(|e| format!("{} is not an emulator state file: {e}", path.display()))?;
        if s.format != FORMAT {
            return Err(format!(
                "{} is a state file of format {}; this emulator reads format {FORMAT}",
                path.display(),
                s.format
            ));
        }
        check_indices(&s).map_err(|e| format!("{} is damaged: {e}", path.display()))?;
        let mut finished: VecDeque<Job> = s.finished.into();
        while finished.len() > config.delivery_record {
            finished.pop_front();
        }
        Ok(State {
            now_ms: s.now_ms,
            seed: s.seed,
            counter: s.counter,
            keys: s.keys,
            event_seq: s.event_seq,
            key: s.key,
            config,
            workspace: s.workspace,
            workspaces: s.workspaces,
            credits: s.credits,
            users: s.users,
            numbers: s.numbers,
            voices: s.voices,
            agents: s.agents,
            calls: s.calls,
            campaigns: s.campaigns,
            kbs: s.kbs,
            events: s.events.into_iter().map(Reverse).collect::<BinaryHeap<_>>(),
            outcomes: s.outcomes.into_iter().collect::<HashMap<_, _>>(),
            default_outcome: s.default_outcome,
            jobs: s.jobs.into_iter().map(|j| (j.id, j)).collect(),
            next_job: s.next_job,
            finished,
            retired_agents: s.retired_agents,
            faults: HashMap::new(),
            rev: s.rev.saturating_add(1),
            rows: Vec::new(),
        })
    }
}

/// Every index the file holds points into the store: events at calls, knowledge bases and
/// campaigns, calls at their campaign, campaigns at their calls.
fn check_indices(s: &Snapshot) -> Result<(), String> {
    let (calls, kbs, campaigns) = (s.calls.len(), s.kbs.len(), s.campaigns.len());
    for (_, _, e) in &s.events {
        let ok = match e {
            Event::Dial(i) | Event::Answer(i) | Event::End(i) | Event::After(i, _) => *i < calls,
            Event::Kb(k) => *k < kbs,
            Event::Upload(c) | Event::Campaign(c) => *c < campaigns,
            Event::Deliver(_) => true,
        };
        if !ok {
            return Err(format!("the event {e:?} points past the store"));
        }
    }
    if let Some(c) = s.calls.iter().find(|c| c.campaign.is_some_and(|i| i >= campaigns)) {
        return Err(format!("call {} names a campaign past the store", c.id));
    }
    if let Some(c) = s.campaigns.iter().find(|c| c.calls.iter().any(|&i| i >= calls)) {
        return Err(format!("campaign {} names a call past the store", c.id));
    }
    Ok(())
}

/// The `&'static str` fields (statuses) as text, read back into the known values only.
pub(crate) mod interned {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Every status the store uses.
    const KNOWN: &[&str] = &[
        "registered",
        "ongoing",
        "completed",
        "failed",
        "cancelled",
        "error",
        "retry",
        "QUEUED",
        "ACCEPTED",
        "CAMPAIGN_TIME_EXCEEDED",
        "RETRY_SCHEDULED",
        "USER_DID_NOT_JOIN",
        "USER_TERMINATED",
        "VOICEMAIL_DETECTED",
        "uploaded",
        "verifying",
        "processing",
        "ready",
    ];

    pub(crate) fn serialize<S: Serializer>(value: &&'static str, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(value)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<&'static str, D::Error> {
        let text = String::deserialize(d)?;
        KNOWN.iter().copied().find(|k| *k == text).ok_or_else(|| {
            serde::de::Error::custom(format!("`{text}` is not a status the emulator knows ({})", KNOWN.join(", ")))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config { max_calls: 10, credits_per_minute: 1.0, campaign_concurrency: 1, delivery_record: 10, credits: None }
    }

    #[test]
    fn a_saved_store_reads_back_the_same_and_a_damaged_one_is_refused() {
        let dir = std::env::temp_dir().join(format!("ringg-emulator-snapshot-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("state.json");
        let mut st = State::new("k".into(), 7, 1_000, None, config());
        let i = st.add_call("agent", "Ada", "+919800000001", "+10000000000", Default::default(), None, 60_000).unwrap();
        st.outcomes.insert("+919800000001".into(), CallOutcome::Voicemail);
        st.save(&path).unwrap();
        let back = State::load(&path, config()).unwrap();
        assert_eq!((back.calls[i].id.as_str(), back.calls[i].status), (st.calls[i].id.as_str(), "registered"));
        assert_eq!(back.next_due(), st.next_due());
        assert_eq!(back.outcomes.get("+919800000001"), Some(&CallOutcome::Voicemail));
        let (mut a, mut b) = (st, back);
        assert_eq!(a.new_id(), b.new_id(), "ids go on where they stopped");

        let text = std::fs::read_to_string(&path).unwrap().replace("\"Dial\":0", "\"Dial\":99");
        std::fs::write(&path, text).unwrap();
        let e = State::load(&path, config()).err().expect("refused");
        assert!(e.contains("damaged") && e.contains("Dial(99)"), "{e}");
        std::fs::write(&path, "{}").unwrap();
        assert!(State::load(&path, config()).err().expect("refused").contains("not an emulator state file"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
