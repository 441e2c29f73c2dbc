//! What the server, the delivery queues, the control API and the handle share: the store
//! behind its lock, the delivery queues' state, and the settings fixed at start. Data only;
//! the server (`server.rs`) and the deliveries (`webhooks.rs`) act on it.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::spec::Operation;
use crate::store::State;

/// Bounds on what clients and receivers may cost, fixed at start.
pub(crate) struct Limits {
    /// How long a client may take to send a request's head.
    pub header_read_timeout: Duration,
    /// How long a client may take to send a request's body.
    pub body_read_timeout: Duration,
    /// Request body bytes held at once over all connections, as permits of one byte.
    pub in_flight: Arc<Semaphore>,
    /// How long one webhook or callback attempt may take.
    pub delivery_timeout: Duration,
}

/// What the server and the handle share.
pub(crate) struct Shared {
    pub state: Mutex<State>,
    /// The delivery queues.
    pub dispatch: Mutex<Dispatch>,
    /// Woken when no delivery is queued or running.
    pub idle: tokio::sync::Notify,
    /// The clock it was started with (the control API reports it).
    pub clock: crate::staging::Clock,
    pub limits: Limits,
    pub served: AtomicU64,
    /// Serialises the drivers of the clock (the handle and the real-time ticker).
    pub drive: tokio::sync::Mutex<()>,
    /// Check every JSON success against the operation's response schema.
    pub check_responses: bool,
    /// Answer every operation from the spec, ignoring the behaviour table.
    pub examples_only: bool,
    /// What those checks found.
    pub conformance: Mutex<Vec<String>>,
    /// Where to append every JSON success as a line `{"operation", "body"}`, for an
    /// independent validator: the `RINGG_EMULATOR_RECORD` environment variable at start.
    pub record_to: Option<String>,
}

impl Shared {
    pub fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock would be a bug; the state is still usable.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The hand-written behaviour of an operation, `None` where the spec's answer serves it.
    pub fn behaviour(&self, op: Operation) -> Option<crate::handlers::Handler> {
        if self.examples_only { None } else { crate::handlers::behaviours().get(op).copied() }
    }

    /// Whether the clock is manual (deliveries then count at the time they were due).
    pub fn manual(&self) -> bool {
        matches!(self.clock, crate::staging::Clock::Manual)
    }

    pub fn dispatch(&self) -> std::sync::MutexGuard<'_, Dispatch> {
        self.dispatch.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The queues of attempts, per receiver.
#[derive(Default)]
pub(crate) struct Dispatch {
    pub receivers: HashMap<String, Queue>,
    /// Receivers with a waiting attempt and none running, in the order they became ready.
    pub ready: VecDeque<String>,
    pub running: usize,
    /// Attempts queued or running.
    pub outstanding: usize,
}

#[derive(Default)]
pub(crate) struct Queue {
    /// (delivery id, emulator time the attempt was due)
    pub waiting: VecDeque<(u64, u64)>,
    pub busy: bool,
    pub in_ready: bool,
}
