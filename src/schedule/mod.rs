//! When each pipeline runs, in its own time zone, computed by us.
//!
//! tokio-cron-scheduler's time-zone jobs freeze the UTC offset when the job
//! is created (upstream issue #107), so after a DST change they run an hour
//! off. Instead we match the cron expression against *local wall-clock time*
//! and map the result to an instant: a time that does not exist (the spring
//! gap, 02:30 on 2026-03-29 in Stockholm) runs when the gap ends (03:00); a
//! time that exists twice (the autumn repeat) runs once, at the first. The
//! service then registers a one-shot job at that instant and computes the
//! next one after it ran.

use chrono::{DateTime, Duration, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use croner::parser::{CronParser, Seconds};
use croner::Cron;

/// A parsed schedule in a time zone.
#[derive(Debug, Clone)]
pub struct Schedule {
    cron: Cron,
    tz: Tz,
}

impl Schedule {
    /// Parses a cron expression with seconds (`"0 30 2 * * *"`).
    pub fn new(expr: &str, tz: Tz) -> Result<Self, String> {
        let cron = CronParser::builder().seconds(Seconds::Required).build().parse(expr).map_err(|e| e.to_string())?;
        Ok(Schedule { cron, tz })
    }

    /// The first run strictly after `after`.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local_now = after.with_timezone(&self.tz).naive_local();
        let mut from = local_now;
        // A few candidates suffice: a gap or repeat shifts at most one match.
        for _ in 0..4 {
            let wall = self.next_wall_after(from)?;
            if let Some(at) = self.instant(wall) {
                if at > after {
                    return Some(at);
                }
            }
            from = wall;
        }
        None
    }

    /// The last run at or before `at` (for catching up after downtime).
    pub fn previous_at_or_before(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        // Walk forward from a day (or more) before; keep the last one not after `at`.
        let mut from = at - Duration::days(1);
        for _ in 0..400 {
            let mut last = None;
            let mut cursor = from;
            while let Some(next) = self.next_after(cursor) {
                if next > at {
                    break;
                }
                last = Some(next);
                cursor = next;
            }
            if last.is_some() {
                return last;
            }
            from -= Duration::days(31);
        }
        None
    }

    /// The next wall-clock match strictly after a local time.
    fn next_wall_after(&self, local: NaiveDateTime) -> Option<NaiveDateTime> {
        // Match in "naive" time by pretending the wall clock is UTC.
        let as_utc = Utc.from_utc_datetime(&local);
        self.cron.find_next_occurrence(&as_utc, false).ok().map(|d| d.naive_utc())
    }

    /// The instant of a wall-clock time: the first of two, or the gap's end.
    fn instant(&self, wall: NaiveDateTime) -> Option<DateTime<Utc>> {
        match self.tz.from_local_datetime(&wall) {
            LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
            LocalResult::Ambiguous(first, _) => Some(first.with_timezone(&Utc)),
            LocalResult::None => {
                // In the gap: when it ends, i.e. the first local minute after it that exists.
                let mut probe = wall;
                for _ in 0..(3 * 60) {
                    probe += Duration::minutes(1);
                    if let LocalResult::Single(t) = self.tz.from_local_datetime(&probe) {
                        return Some(t.with_timezone(&Utc));
                    }
                }
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Stockholm;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn local(t: DateTime<Utc>) -> String {
        t.with_timezone(&Stockholm).format("%Y-%m-%d %H:%M %Z").to_string()
    }

    /// Every run from `from` up to `until`, in local time.
    fn runs(s: &Schedule, from: &str, until: &str) -> Vec<String> {
        let (mut t, end) = (utc(from), utc(until));
        let mut out = Vec::new();
        while let Some(n) = s.next_after(t) {
            if n > end {
                break;
            }
            out.push(local(n));
            t = n;
        }
        out
    }

    #[test]
    fn a_nightly_job_runs_once_on_the_spring_day_at_three_when_half_past_two_does_not_exist() {
        let s = Schedule::new("0 30 2 * * *", Stockholm).unwrap();
        assert_eq!(
            runs(&s, "2026-03-27T12:00:00Z", "2026-03-31T12:00:00Z"),
            ["2026-03-28 02:30 CET", "2026-03-29 03:00 CEST", "2026-03-30 02:30 CEST", "2026-03-31 02:30 CEST"]
        );
    }

    #[test]
    fn a_nightly_job_runs_once_on_the_autumn_day_when_half_past_two_comes_twice() {
        let s = Schedule::new("0 30 2 * * *", Stockholm).unwrap();
        assert_eq!(
            runs(&s, "2026-10-23T12:00:00Z", "2026-10-27T12:00:00Z"),
            ["2026-10-24 02:30 CEST", "2026-10-25 02:30 CEST", "2026-10-26 02:30 CET", "2026-10-27 02:30 CET"]
        );
    }

    #[test]
    fn the_monthly_job_runs_on_the_first_across_the_year_end() {
        let s = Schedule::new("0 0 6 1 * *", Stockholm).unwrap();
        assert_eq!(
            runs(&s, "2026-10-15T00:00:00Z", "2027-02-15T00:00:00Z"),
            ["2026-11-01 06:00 CET", "2026-12-01 06:00 CET", "2027-01-01 06:00 CET", "2027-02-01 06:00 CET"]
        );
        // 06:00 local is 05:00 UTC in winter and 04:00 UTC in summer.
        assert_eq!(s.next_after(utc("2026-05-15T00:00:00Z")).unwrap(), utc("2026-06-01T04:00:00Z"));
        assert_eq!(s.next_after(utc("2026-11-15T00:00:00Z")).unwrap(), utc("2026-12-01T05:00:00Z"));
    }

    #[test]
    fn the_trainer_pot_runs_on_the_tenth_of_december_each_year() {
        let s = Schedule::new("0 0 6 10 12 *", Stockholm).unwrap();
        assert_eq!(
            runs(&s, "2026-01-01T00:00:00Z", "2028-01-01T00:00:00Z"),
            ["2026-12-10 06:00 CET", "2027-12-10 06:00 CET"]
        );
    }

    #[test]
    fn the_last_run_before_a_time_is_found_for_catch_up() {
        let s = Schedule::new("0 30 2 * * *", Stockholm).unwrap();
        assert_eq!(local(s.previous_at_or_before(utc("2026-03-29T12:00:00Z")).unwrap()), "2026-03-29 03:00 CEST");
        assert_eq!(local(s.previous_at_or_before(utc("2026-03-29T00:00:00Z")).unwrap()), "2026-03-28 02:30 CET");
        let monthly = Schedule::new("0 0 6 1 * *", Stockholm).unwrap();
        assert_eq!(local(monthly.previous_at_or_before(utc("2026-11-23T03:00:00Z")).unwrap()), "2026-11-01 06:00 CET");
    }
}
