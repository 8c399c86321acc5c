//! Wall time, rows and peak memory of each stage of a run, for `bench` and
//! the run log. Peak memory is the process's high-water mark (`VmHWM`) since
//! the run started: each stage reports the run's peak so far, so the stage
//! that raised it shows, and the process's own peak (what `wait4` reports to
//! `bench --peer`) is the run's. (Resetting it after every stage, as before,
//! hid an earlier stage's peak from the process's figure.)

use std::time::Instant;

/// One timed stage of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct StageTime {
    /// What was done, e.g. `ingest completions (csv)`.
    pub stage: String,
    /// Rows (or cells, or files) the stage handled.
    pub items: u64,
    /// What `items` counts: `rows`, `cells`, `workbooks`, ….
    pub unit: &'static str,
    /// Wall time in seconds.
    pub seconds: f64,
    /// Peak resident memory of the run up to the end of the stage, in MB (0 where unknown).
    pub peak_mb: f64,
}

/// Times consecutive stages.
#[derive(Debug)]
pub(crate) struct StageClock {
    last: Instant,
    marks: Vec<StageTime>,
}

impl StageClock {
    /// Starts timing now (and resets the memory high-water mark).
    pub(crate) fn start() -> Self {
        reset_peak();
        StageClock { last: Instant::now(), marks: Vec::new() }
    }

    /// Ends a stage that handled `items` `unit`s; the next one starts now.
    pub(crate) fn mark(&mut self, stage: impl Into<String>, items: u64, unit: &'static str) {
        let now = Instant::now();
        let time = StageTime {
            stage: stage.into(),
            items,
            unit,
            seconds: (now - self.last).as_secs_f64(),
            peak_mb: peak_mb(),
        };
        tracing::info!(
            "{}: {} {} in {:.2} s, peak {:.0} MB",
            time.stage,
            time.items,
            time.unit,
            time.seconds,
            time.peak_mb
        );
        self.marks.push(time);
        self.last = Instant::now();
    }

    /// The stages timed so far.
    pub(crate) fn finish(self) -> Vec<StageTime> {
        self.marks
    }
}

/// Peak resident memory of this process since the run started (Linux `VmHWM`), in MB.
fn peak_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_string))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// Resets the high-water mark to the current resident size (Linux; elsewhere nothing).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_mark_times_its_own_stage() {
        let mut clock = StageClock::start();
        std::thread::sleep(std::time::Duration::from_millis(30));
        clock.mark("slow", 3, "rows");
        clock.mark("fast", 0, "rows");
        let marks = clock.finish();
        assert_eq!(marks.iter().map(|m| m.stage.as_str()).collect::<Vec<_>>(), ["slow", "fast"]);
        assert!(marks[0].seconds >= 0.03 && marks[1].seconds < marks[0].seconds, "{marks:?}");
        assert!(cfg!(not(target_os = "linux")) || marks[0].peak_mb > 0.0);
        assert!(marks[1].peak_mb >= marks[0].peak_mb, "the run's peak so far never falls: {marks:?}");
    }
}
