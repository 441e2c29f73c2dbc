//! What a test stages: how calls end, how requests fail, and the clock calls move on. The
//! handle ([`Emulator`](crate::Emulator)) and the control API (`/__emulator/`) take the same
//! values.

use std::time::Duration;

/// How a call ends, chosen by the test per callee number or for all calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallOutcome {
    /// Answered; a 45-second conversation; `completed`, with transcript, recording and
    /// analyses, and credits used.
    Completed,
    /// Not answered: `failed` (`USER_DID_NOT_JOIN`).
    Failed,
    /// Not answered this time: `retry`, then dialled again after the agent's
    /// `retry_not_picked` minutes (30 by default), when it completes.
    Retry,
    /// A voicemail answered: `failed` with `VOICEMAIL_DETECTED` and `voicemail_detected`.
    Voicemail,
}

impl CallOutcome {
    /// Every outcome.
    pub const ALL: [CallOutcome; 4] =
        [CallOutcome::Completed, CallOutcome::Failed, CallOutcome::Retry, CallOutcome::Voicemail];

    /// The outcome's name in the control API and the command line (`completed`, `failed`,
    /// `retry`, `voicemail`).
    pub fn name(self) -> &'static str {
        match self {
            CallOutcome::Completed => "completed",
            CallOutcome::Failed => "failed",
            CallOutcome::Retry => "retry",
            CallOutcome::Voicemail => "voicemail",
        }
    }

    /// The outcome of a name, as [`CallOutcome::name`] gives it.
    pub fn from_name(name: &str) -> Option<CallOutcome> {
        CallOutcome::ALL.into_iter().find(|o| o.name() == name)
    }
}

impl std::fmt::Display for CallOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A fault for the next requests to one operation.
///
/// The first four act before the request is handled, so nothing changes: the request can be
/// sent again. The `Reply*` faults act after: the request takes effect (a call is placed, an
/// agent is created) and then the answer is lost, the failure an integration must handle
/// without doing the thing twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// 429 with `Retry-After` in seconds; the request is not handled.
    RateLimited {
        /// Seconds in the `Retry-After` header.
        retry_after: u32,
    },
    /// This status with an error body (500, 503, ...); the request is not handled.
    Status(u16),
    /// Wait this long (real time) before handling the request normally.
    Stall(Duration),
    /// Close the connection without answering, after reading the request and without
    /// handling it.
    Drop,
    /// Handle the request, then close the connection without answering.
    ReplyLost,
    /// Handle the request, then answer this status with an error body instead of its reply.
    ReplyStatus(u16),
    /// Handle the request, then wait this long (real time) before sending its reply: past a
    /// client's timeout, the reply is lost to it.
    ReplyStall(Duration),
}

impl Fault {
    /// Whether the request is handled (and its effect kept) before the fault acts.
    pub fn after_handling(self) -> bool {
        matches!(self, Fault::ReplyLost | Fault::ReplyStatus(_) | Fault::ReplyStall(_))
    }
}

/// The clock calls move on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Clock {
    /// Moves only when the test calls [`Emulator::advance`](crate::Emulator::advance) or
    /// [`Emulator::settle`](crate::Emulator::settle) (or `POST /__emulator/clock/advance`).
    Manual,
    /// Follows the real clock, `speed` emulator seconds per real second.
    Real {
        /// Emulator seconds per real second (1.0 is real time).
        speed: f64,
    },
}
