//! The README's "Testing your integration" example: place a call against the emulator, move
//! the clock, and read the result the way an application would.

use std::time::Duration;

use ringg::types::{CallFrom, CallStatus, InitiateCallFromPool, PhoneNumber};
use ringg_emulator::{CallOutcome, Emulator};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 127.0.0.1, a free port, the manual clock; dropping `emulator` stops it.
    let emulator = Emulator::start().await?;
    let fixtures = emulator.fixtures().await; // an agent, a number pool, a knowledge base, ...
    let client = emulator.client(); // a ringg::Client pointed at the emulator

    // The code under test: place a call.
    emulator.set_outcome("+919800000001", CallOutcome::Completed);
    let to = PhoneNumber::new("+919800000001");
    let pool = CallFrom::Pool(fixtures.number_pool_id.clone());
    let call = InitiateCallFromPool::new("Ada", to, fixtures.agent_id.clone(), pool);
    client.calling().initiate_from_pool(call).await?;

    // A whole call lifecycle in milliseconds of wall time.
    emulator.advance(Duration::from_secs(60)).await;
    emulator.settle().await;

    let page = client.calling().history().status(CallStatus::Completed).await?;
    println!("completed calls: {}", page.calls.len());
    assert!(!page.calls.is_empty());
    println!("webhooks delivered: {}", emulator.deliveries().len());
    Ok(())
}
