//! The README's lost-reply test: the call is placed, its answer never arrives, and the
//! integration must find the call rather than ring the person twice.

use std::time::{Duration, SystemTime};

use ringg::Outcome;
use ringg::types::{CallFrom, InitiateCallFromPool, PhoneNumber};
use ringg_emulator::{Emulator, Fault, Operation};

/// The code under test: place a reminder call, never twice.
async fn remind(client: &ringg::Client, call: InitiateCallFromPool) -> Result<(), ringg::Error> {
    let sent_at = SystemTime::now();
    match client.calling().initiate_from_pool(call.clone()).await {
        Ok(_) => Ok(()),
        // It may have been placed: look for it before placing it again. The clocks of this
        // machine and of the API differ, so look from a minute before.
        Err(err) if err.outcome() == Outcome::Unknown => {
            let since = sent_at - Duration::from_secs(60);
            let mut calls = client.calling().history().start_date(since).stream();
            while let Some(row) = calls.try_next().await? {
                if row.to_number.as_ref() == Some(&call.mobile_number) {
                    return Ok(());
                }
            }
            client.calling().initiate_from_pool(call).await.map(drop)
        }
        Err(err) => Err(err),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::start().await?;
    let fixtures = emulator.fixtures().await;

    // The next call is placed, then the connection closes before the answer is sent.
    emulator.inject(Operation::CallingInitiateFromPool, Fault::ReplyLost, 1);

    let to = PhoneNumber::new("+919800000001");
    let from = CallFrom::Pool(fixtures.number_pool_id.clone());
    let call = InitiateCallFromPool::new("Ada", to.clone(), fixtures.agent_id.clone(), from);
    remind(&emulator.client(), call).await?;

    // Checked on the emulator's side, not through the code under test.
    let rung = emulator.calls().iter().filter(|c| c.to_number.as_ref() == Some(&to)).count();
    assert_eq!(rung, 1, "the callee was called {rung} times");
    println!("placed once despite the lost reply");
    Ok(())
}
