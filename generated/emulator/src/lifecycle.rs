//! How the store moves on: calls placed, dialled, answered and ended on the clock; campaigns
//! filling their slots; webhooks and per-call callbacks queued as deliveries and retried. The
//! rules live here; what the payloads say is in `views.rs`.

use serde_json::{Map, Value, json};

use crate::reply::text_pairs;
use crate::staging::CallOutcome;
use crate::store::{
    ANSWER_AFTER_MS, CALLBACK_EVENT, Call, Callback, DIAL_AFTER_MS, Event, Job, POST_STEPS_MS, PROCESSING_STEP_MS,
    State, TALK_MS, VOICEMAIL_MS, WEBHOOK_RETRY_MS, subscriptions,
};
use crate::views::{callback_payload, webhook_payload};

impl State {
    /// Stores a new call in `registered` and, unless it waits for a campaign slot, schedules
    /// its dialling. `Err` when the store is full.
    #[allow(clippy::too_many_arguments)]
    pub fn add_call(
        &mut self,
        agent_id: &str,
        name: &str,
        to: &str,
        from: &str,
        custom_args: Map<String, Value>,
        campaign: Option<usize>,
        retry_delay_ms: u64,
    ) -> Result<usize, String> {
        if self.calls.len() >= self.config.max_calls {
            return Err(format!(
                "the emulator stores at most {} calls and is full; start it with a higher max_calls \
                 (EmulatorBuilder::max_calls or --max-calls)",
                self.config.max_calls
            ));
        }
        let id = self.new_id();
        let queued = campaign.is_some();
        let call = Call {
            id,
            agent_id: agent_id.to_string(),
            name: name.to_string(),
            to: to.to_string(),
            from: from.to_string(),
            status: "registered",
            sub_status: "QUEUED",
            created_ms: self.now_ms,
            attempt_ms: None,
            duration_s: 0.0,
            cost: 0.0,
            outcome: self.outcome_for(to),
            custom_args,
            bulk_list_id: campaign.map(|c| self.campaigns[c].id.clone()),
            campaign,
            retry_count: 0,
            retry_delay_ms,
            voicemail: false,
            queued,
            callback: None,
        };
        self.calls.push(call);
        let index = self.calls.len() - 1;
        if !queued {
            self.schedule(self.now_ms.saturating_add(DIAL_AFTER_MS), Event::Dial(index));
        }
        Ok(index)
    }

    /// Dials the queued calls of a campaign while it has free slots.
    pub fn pump_campaign(&mut self, c: usize) -> Vec<u64> {
        let (opens, closes) = self.campaigns[c].window;
        if closes.is_some_and(|end| self.now_ms >= end) {
            let waiting: Vec<usize> = self.campaigns[c]
                .calls
                .iter()
                .copied()
                .filter(|&i| self.calls[i].queued && self.calls[i].pending())
                .collect();
            let mut jobs = Vec::new();
            for i in waiting {
                let call = &mut self.calls[i];
                call.queued = false;
                call.status = "failed";
                call.sub_status = "CAMPAIGN_TIME_EXCEEDED";
                jobs.extend(self.status_callback(i));
            }
            return jobs;
        }
        if opens.is_some_and(|start| self.now_ms < start) {
            // The start scheduled an event for when the window opens.
            return Vec::new();
        }
        let active =
            self.campaigns[c].calls.iter().filter(|&&i| !self.calls[i].queued && !self.calls[i].settled()).count();
        let free = self.campaigns[c].concurrency.max(1).saturating_sub(active);
        let next: Vec<usize> = self.campaigns[c]
            .calls
            .iter()
            .copied()
            .filter(|&i| self.calls[i].queued && self.calls[i].pending())
            .take(free)
            .collect();
        for i in next {
            self.calls[i].queued = false;
            self.schedule(self.now_ms.saturating_add(DIAL_AFTER_MS), Event::Dial(i));
        }
        Vec::new()
    }

    /// Applies one event; webhook deliveries it causes become jobs for the driver.
    pub fn apply(&mut self, event: Event) -> Vec<u64> {
        let now = self.now_ms;
        match event {
            Event::Dial(i) => {
                if !self.calls[i].pending() || self.calls[i].queued {
                    return Vec::new();
                }
                let call = &mut self.calls[i];
                // `retry_count` numbers attempts from 0: the first is 0, its retry 1, ...
                if call.status == "retry" {
                    call.retry_count = call.retry_count.saturating_add(1);
                }
                call.status = "ongoing";
                call.sub_status = "ACCEPTED";
                call.attempt_ms = Some(now);
                self.schedule(now.saturating_add(ANSWER_AFTER_MS), Event::Answer(i));
                [self.notify(i, "call_started"), self.notify(i, "call_ringing"), self.status_callback(i)].concat()
            }
            Event::Answer(i) => {
                if self.calls[i].status != "ongoing" {
                    return Vec::new();
                }
                match self.calls[i].outcome {
                    CallOutcome::Completed => {
                        self.schedule(now.saturating_add(TALK_MS), Event::End(i));
                        self.notify(i, "call_ongoing")
                    }
                    CallOutcome::Voicemail => {
                        self.schedule(now.saturating_add(VOICEMAIL_MS), Event::End(i));
                        Vec::new()
                    }
                    CallOutcome::Failed | CallOutcome::Retry => self.apply(Event::End(i)),
                }
            }
            Event::End(i) => self.end_call(i),
            Event::After(i, step) => {
                let next = POST_STEPS_MS.get(usize::from(step) + 1).map(|ms| ms - POST_STEPS_MS[usize::from(step)]);
                if let Some(d) = next {
                    self.schedule(now.saturating_add(d), Event::After(i, step + 1));
                }
                match step {
                    0 => self.notify(i, "recording_completed"),
                    1 => [self.notify(i, "platform_analysis_completed"), self.notify(i, "client_analysis_completed")]
                        .concat(),
                    _ => self.notify(i, "all_processing_completed"),
                }
            }
            Event::Kb(k) => {
                let status = self.kbs[k]["status"].as_str().unwrap_or("");
                let next = match status {
                    "pending" => Some("processing"),
                    "processing" => Some("completed"),
                    _ => None,
                };
                if let Some(n) = next {
                    self.kbs[k]["status"] = json!(n);
                    self.kbs[k]["updated_at"] = json!(self.now());
                    if n != "completed" {
                        self.schedule(now.saturating_add(PROCESSING_STEP_MS), Event::Kb(k));
                    }
                }
                Vec::new()
            }
            Event::Upload(c) => {
                let next = match self.campaigns[c].upload_status {
                    "uploaded" => "verifying",
                    "verifying" => "processing",
                    "processing" => "ready",
                    other => other,
                };
                self.campaigns[c].upload_status = next;
                if matches!(next, "verifying" | "processing") {
                    self.schedule(now.saturating_add(PROCESSING_STEP_MS), Event::Upload(c));
                }
                Vec::new()
            }
            Event::Campaign(c) => self.pump_campaign(c),
            Event::Deliver(j) => {
                if self.jobs.contains_key(&j) {
                    vec![j]
                } else {
                    Vec::new()
                }
            }
        }
    }

    fn end_call(&mut self, i: usize) -> Vec<u64> {
        if self.calls[i].status != "ongoing" {
            return Vec::new();
        }
        let now = self.now_ms;
        let outcome = self.calls[i].outcome;
        let per_minute = self.config.credits_per_minute;
        let call = &mut self.calls[i];
        let started = call.attempt_ms.unwrap_or(now);
        match outcome {
            CallOutcome::Completed => {
                call.status = "completed";
                call.sub_status = "ACCEPTED";
                call.duration_s = now.saturating_sub(started).saturating_sub(ANSWER_AFTER_MS) as f64 / 1000.0;
                call.cost = (call.duration_s / 60.0).ceil() * per_minute;
                self.credits = (self.credits - call.cost).max(0.0);
            }
            CallOutcome::Voicemail => {
                call.status = "failed";
                call.sub_status = "VOICEMAIL_DETECTED";
                call.voicemail = true;
                call.duration_s = now.saturating_sub(started).saturating_sub(ANSWER_AFTER_MS) as f64 / 1000.0;
            }
            CallOutcome::Failed => {
                call.status = "failed";
                call.sub_status = "USER_DID_NOT_JOIN";
            }
            CallOutcome::Retry => {
                call.status = "retry";
                call.sub_status = "RETRY_SCHEDULED";
                // The next attempt reaches the callee.
                call.outcome = CallOutcome::Completed;
                let at = now.saturating_add(call.retry_delay_ms);
                self.schedule(at, Event::Dial(i));
                return [self.notify(i, "call_completed"), self.status_callback(i)].concat();
            }
        }
        let mut jobs = self.notify(i, "call_completed");
        jobs.extend(self.status_callback(i));
        if outcome == CallOutcome::Completed {
            self.schedule(now.saturating_add(POST_STEPS_MS[0]), Event::After(i, 0));
        } else {
            jobs.extend(self.notify(i, "all_processing_completed"));
        }
        if let Some(c) = self.calls[i].campaign {
            jobs.extend(self.pump_campaign(c));
        }
        jobs
    }

    /// Cancels a pending call.
    pub fn cancel(&mut self, i: usize) {
        let call = &mut self.calls[i];
        call.status = "cancelled";
        call.sub_status = "USER_TERMINATED";
        call.queued = false;
        if let Some(c) = call.campaign {
            for j in self.pump_campaign(c) {
                self.schedule(self.now_ms, Event::Deliver(j));
            }
        }
        self.deliver_soon(i);
    }

    /// Sets the call's per-call callback and sends it the call's first status, `registered`.
    pub fn set_callback(&mut self, i: usize, callback: Callback) {
        self.calls[i].callback = Some(callback);
        self.deliver_soon(i);
    }

    /// Queues the call's status callback, if it has one, for the next turn of the clock: for a
    /// change made by a request rather than by an event.
    fn deliver_soon(&mut self, i: usize) {
        for j in self.status_callback(i) {
            self.schedule(self.now_ms, Event::Deliver(j));
        }
    }

    /// Queues the call's per-call status callback, if it has one: the call's current state as
    /// `CallbackPayload`.
    fn status_callback(&mut self, i: usize) -> Vec<u64> {
        let Some(callback) = self.calls[i].callback.clone() else { return Vec::new() };
        let body = callback_payload(self, i);
        let id = self.push_job(Job {
            id: 0,
            event_type: CALLBACK_EVENT.to_string(),
            call_id: self.calls[i].id.clone(),
            url: callback.url,
            method: "POST".to_string(),
            headers: callback.headers,
            body,
            attempts: 0,
            last_status: None,
            last_error: None,
            done: false,
            json_header: false,
        });
        vec![id]
    }

    /// Queues the event's webhook for every subscription of the call's agent that asked for it.
    fn notify(&mut self, i: usize, event_type: &str) -> Vec<u64> {
        let Some(agent) = self.agent_or_retired(&self.calls[i].agent_id) else { return Vec::new() };
        let subs = subscriptions(agent);
        let wanted: Vec<Value> = subs.into_iter().filter(|s| subscribes(s, event_type)).collect();
        if wanted.is_empty() {
            return Vec::new();
        }
        let body = webhook_payload(self, i, event_type);
        let mut out = Vec::new();
        for s in wanted {
            let headers = text_pairs(&s["headers"]);
            let id = self.push_job(Job {
                id: 0,
                event_type: event_type.to_string(),
                call_id: self.calls[i].id.clone(),
                url: s.get("callback_url").and_then(Value::as_str).unwrap_or_default().to_string(),
                method: s.get("method_type").and_then(Value::as_str).unwrap_or("POST").to_string(),
                headers,
                body: body.clone(),
                attempts: 0,
                last_status: None,
                last_error: None,
                done: false,
                json_header: true,
            });
            out.push(id);
        }
        out
    }

    /// Records one delivery attempt made at `at_ms` and schedules the next one when it failed
    /// and retries are left. A finished delivery moves to the bounded record.
    pub fn record_attempt(&mut self, j: u64, result: Result<u16, String>, at_ms: u64) {
        let Some(job) = self.jobs.get_mut(&j) else { return };
        job.attempts += 1;
        let ok = matches!(result, Ok(s) if (200..300).contains(&s));
        match result {
            Ok(s) => {
                job.last_status = Some(s);
                job.last_error = None;
            }
            Err(e) => {
                job.last_status = None;
                job.last_error = Some(e);
            }
        }
        let retry = if ok { None } else { WEBHOOK_RETRY_MS.get(job.attempts as usize - 1).copied() };
        match retry {
            Some(delay) => self.schedule(at_ms.saturating_add(delay), Event::Deliver(j)),
            None => {
                if let Some(mut job) = self.jobs.remove(&j) {
                    job.done = true;
                    if self.config.delivery_record > 0 {
                        if self.finished.len() >= self.config.delivery_record {
                            self.finished.pop_front();
                        }
                        self.finished.push_back(job);
                    }
                }
            }
        }
    }
}

/// Whether a subscription's `event_type` (one string or a list) names the event.
fn subscribes(sub: &Value, event_type: &str) -> bool {
    match sub.get("event_type") {
        Some(Value::String(s)) => s == event_type,
        Some(Value::Array(a)) => a.iter().any(|v| v == event_type),
        _ => false,
    }
}
