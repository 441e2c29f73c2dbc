//! Retry policy: capped exponential backoff with full jitter, honouring `Retry-After`.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::Error;

/// When and how often a failed request is sent again.
///
/// Which failures are retried depends on the endpoint, never on the policy: endpoints that
/// are safe to repeat are retried on connection failures, timeouts, `408`, `429` and `5xx`;
/// endpoints that are not (placing a call, say) only when the request certainly never
/// reached the server, or on `429`. The policy only says how many times and how long to wait.
///
/// The wait before retry `n` (counting from 0) is a random duration between zero and
/// `min(max_backoff, initial_backoff * 2^n)` ("full jitter"), unless the server sent
/// `Retry-After`: then exactly that long, and if that is longer than
/// [`max_retry_after`](RetryPolicy::max_retry_after) the error is returned at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_retries: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// Three retries, backoff from 250 ms capped at 8 s, `Retry-After` honoured up to 60 s.
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    #[must_use]
    pub fn none() -> Self {
        RetryPolicy { max_retries: 0, ..RetryPolicy::default() }
    }

    /// How many times a request may be sent again after its first attempt.
    #[must_use]
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }

    /// The backoff ceiling of the first retry; it doubles with each retry.
    #[must_use]
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// The largest backoff ceiling.
    #[must_use]
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// The longest `Retry-After` waited for; a longer one ends the retries at once.
    #[must_use]
    pub fn max_retry_after(mut self, max: Duration) -> Self {
        self.max_retry_after = max;
        self
    }

    /// The configured number of retries.
    pub fn retries(&self) -> u32 {
        self.max_retries
    }

    /// How long to wait before retry number `retry` (0 for the first retry) after `err`,
    /// or `None` to give up. Whether `err` may be retried at all is decided by the caller.
    pub(crate) fn delay(&self, retry: u32, err: &Error) -> Option<Duration> {
        if retry >= self.max_retries {
            return None;
        }
        if let Some(after) = err.retry_after() {
            return (after <= self.max_retry_after).then_some(after);
        }
        Some(jitter(self.backoff_cap(retry)))
    }

    /// The backoff ceiling for retry number `retry`.
    pub(crate) fn backoff_cap(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX);
        self.initial_backoff.checked_mul(factor).unwrap_or(self.max_backoff).min(self.max_backoff)
    }
}

/// A uniformly random duration in `[0, cap]`.
fn jitter(cap: Duration) -> Duration {
    let nanos = u64::try_from(cap.as_nanos()).unwrap_or(u64::MAX);
    match nanos.checked_add(1) {
        Some(bound) => Duration::from_nanos(next_random() % bound),
        None => Duration::from_nanos(next_random()),
    }
}

/// splitmix64 over a shared counter, seeded once from the clock and an address: enough to
/// spread the retries of many clients apart, with no dependency. Not for cryptography.
fn next_random() -> u64 {
    const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;
    static SEED: OnceLock<u64> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let seed = *SEED.get_or_init(|| {
        let clock = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0);
        let local = 0u8;
        let stack = std::ptr::addr_of!(local) as usize as u64;
        clock ^ stack.rotate_left(32) ^ u64::from(std::process::id()).rotate_left(16)
    });
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut z = seed.wrapping_add(n.wrapping_add(1).wrapping_mul(GOLDEN));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    fn plain_error() -> Error {
        Error::api(503, &HeaderMap::new(), b"", "")
    }

    fn error_with_retry_after(seconds: &'static str) -> Error {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static(seconds));
        Error::api(429, &headers, b"", "")
    }

    #[test]
    fn defaults_and_none() {
        let p = RetryPolicy::default();
        assert_eq!(p.retries(), 3);
        assert_eq!(p.backoff_cap(0), Duration::from_millis(250));
        assert_eq!(p.backoff_cap(1), Duration::from_millis(500));
        assert_eq!(p.backoff_cap(5), Duration::from_secs(8));
        assert_eq!(p.backoff_cap(200), Duration::from_secs(8));
        assert_eq!(RetryPolicy::none().retries(), 0);
        assert_eq!(RetryPolicy::none().delay(0, &plain_error()), None);
    }

    #[test]
    fn backoff_is_jittered_and_capped() {
        let p = RetryPolicy::default()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(300))
            .max_retries(10);
        let mut distinct = std::collections::HashSet::new();
        for retry in 0..10 {
            for _ in 0..50 {
                let d = p.delay(retry, &plain_error()).unwrap();
                assert!(d <= p.backoff_cap(retry), "{d:?} > cap at retry {retry}");
                distinct.insert(d);
            }
        }
        assert!(distinct.len() > 100, "jitter looks constant: {}", distinct.len());
        assert_eq!(p.delay(10, &plain_error()), None);
        let zero = RetryPolicy::default().initial_backoff(Duration::ZERO);
        assert_eq!(zero.delay(0, &plain_error()), Some(Duration::ZERO));
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_limit() {
        let p = RetryPolicy::default().max_retry_after(Duration::from_secs(5));
        assert_eq!(p.delay(0, &error_with_retry_after("5")), Some(Duration::from_secs(5)));
        assert_eq!(p.delay(0, &error_with_retry_after("6")), None);
        assert_eq!(p.delay(3, &error_with_retry_after("1")), None);
    }

    #[test]
    fn random_numbers_vary() {
        let a: Vec<u64> = (0..64).map(|_| next_random()).collect();
        let distinct: std::collections::HashSet<_> = a.iter().collect();
        assert_eq!(distinct.len(), 64);
    }
}
