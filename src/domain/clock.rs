//! What time it is, as one value per run: the system clock in production, a
//! fixed instant in tests (`YRKESRESAN_NOW=2026-03-01T02:30:00Z`), so nothing
//! the pipeline decides depends on when a test happens to run.

use chrono::{DateTime, SecondsFormat, Utc};
use std::sync::Arc;

/// A source of the current time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now, in UTC.
    fn now(&self) -> DateTime<Utc>;

    /// Now as RFC 3339 in UTC, to the second (how the state database stores times).
    fn stamp(&self) -> String {
        self.now().to_rfc3339_opts(SecondsFormat::Secs, true)
    }
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that always says the same instant.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// The variable that fixes the clock (tests, and re-running a past night).
pub const NOW_VARIABLE: &str = "YRKESRESAN_NOW";

/// The clock a process runs on: fixed by `YRKESRESAN_NOW` (RFC 3339) if set, else the system clock.
pub fn from_env() -> Result<Arc<dyn Clock>, String> {
    match std::env::var(NOW_VARIABLE) {
        Ok(v) => DateTime::parse_from_rfc3339(v.trim())
            .map(|t| Arc::new(FixedClock(t.with_timezone(&Utc))) as Arc<dyn Clock>)
            .map_err(|e| format!("{NOW_VARIABLE}='{v}' is not an RFC 3339 time (e.g. 2026-03-01T02:30:00Z): {e}")),
        Err(_) => Ok(Arc::new(SystemClock)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_stamps_its_instant() {
        let t = DateTime::parse_from_rfc3339("2026-03-29T01:30:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(FixedClock(t).stamp(), "2026-03-29T01:30:00Z");
    }
}
