//! `yrkesresan bench`: measures the hot stages on generated data of a given
//! size, with wall time, rows per second and peak memory, and writes them as
//! CSV. A benchmark, not a test: numbers go in the README.

use crate::config::load;
use crate::ingest::exports::ExportKind;
use crate::jobs::{run_nightly_sync, JobContext};
use crate::store::Store;
use anyhow::Context;
use clap::Args;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Flags of `bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Completion rows in the generated export.
    #[arg(long, default_value_t = 3_000_000)]
    pub rows: u64,
    /// Completion rows in the generated xlsx export (7 cells each).
    #[arg(long, default_value_t = 300_000)]
    pub xlsx_rows: u64,
    /// Where the generated files, the state and `bench.csv` go.
    #[arg(long, default_value = "bench-out")]
    pub out: PathBuf,
    /// The region's config file.
    #[arg(long, default_value = "config/dalarna.toml")]
    pub config: PathBuf,
}

/// One measured stage.
struct Measure {
    stage: &'static str,
    rows: u64,
    seconds: f64,
    peak_mb: f64,
}

/// Runs the benchmark and prints a table.
pub fn bench(args: &BenchArgs) -> anyhow::Result<u8> {
    let mut config = load(&args.config).map_err(|e| anyhow::anyhow!("{e}"))?;
    config.ingest.settle_seconds = 0;
    let _ = std::fs::remove_dir_all(&args.out);
    let inbox = args.out.join("inbox");
    std::fs::create_dir_all(&inbox)?;
    let mut results = Vec::new();

    let t = Instant::now();
    let file = inbox.join("course_completion_bench.csv");
    write_completions(&file, args.rows, &config).context("writing the generated export")?;
    let size = std::fs::metadata(&file)?.len();
    results.push(Measure {
        stage: "generate completions csv",
        rows: args.rows,
        seconds: t.elapsed().as_secs_f64(),
        peak_mb: peak_mb(),
    });

    let ctx = JobContext {
        config,
        inbox: inbox.clone(),
        out: args.out.clone(),
        state: args.out.join("bench.sqlite"),
        delivery: Default::default(),
        scheduled_at: None,
        sources: None,
    };
    let t = Instant::now();
    let summary = run_nightly_sync(&ctx)?;
    let seconds = t.elapsed().as_secs_f64();
    let stored = Store::open(&ctx.state)?.latest_row_count(ExportKind::Completions)?;
    anyhow::ensure!(stored == args.rows, "stored {stored} rows of {}: {summary}", args.rows);
    results.push(Measure {
        stage: "ingest completions csv (parse + store)",
        rows: args.rows,
        seconds,
        peak_mb: peak_mb(),
    });

    let xlsx = inbox.join("course_completion_bench.xlsx");
    let t = Instant::now();
    write_completions_xlsx(&xlsx, &file_in(&inbox, "processed/course_completion_bench.csv"), args.xlsx_rows)?;
    results.push(Measure {
        stage: "generate completions xlsx",
        rows: args.xlsx_rows,
        seconds: t.elapsed().as_secs_f64(),
        peak_mb: peak_mb(),
    });
    let t = Instant::now();
    run_nightly_sync(&ctx)?;
    let seconds = t.elapsed().as_secs_f64();
    let stored = Store::open(&ctx.state)?.latest_row_count(ExportKind::Completions)?;
    anyhow::ensure!(stored == args.xlsx_rows, "stored {stored} xlsx rows of {}", args.xlsx_rows);
    results.push(Measure {
        stage: "ingest completions xlsx (cells)",
        rows: args.xlsx_rows * 7,
        seconds,
        peak_mb: peak_mb(),
    });

    println!("File: {} ({:.0} MB, {} rows).", file.display(), size as f64 / 1e6, args.rows);
    println!("{:<42} {:>12} {:>10} {:>14} {:>12}", "stage", "rows", "seconds", "rows/s", "peak MB");
    let mut csv = std::fs::File::create(args.out.join("bench.csv"))?;
    writeln!(csv, "stage,rows,seconds,rows_per_second,peak_mb")?;
    for m in &results {
        let rate = m.rows as f64 / m.seconds.max(1e-9);
        println!("{:<42} {:>12} {:>10.2} {:>14.0} {:>12.0}", m.stage, m.rows, m.seconds, rate, m.peak_mb);
        writeln!(csv, "{},{},{:.3},{:.0},{:.0}", m.stage, m.rows, m.seconds, rate, m.peak_mb)?;
    }
    println!("Written: {}", args.out.join("bench.csv").display());
    Ok(0)
}

/// Peak resident memory of this process so far (Linux `VmHWM`), in MB.
fn peak_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_string))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

fn file_in(dir: &Path, rel: &str) -> PathBuf {
    dir.join(rel)
}

/// The first `rows` rows of the CSV export as an xlsx workbook (constant-memory writer).
fn write_completions_xlsx(path: &Path, csv_path: &Path, rows: u64) -> anyhow::Result<()> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet_with_constant_memory()?;
    let mut r = csv::Reader::from_path(csv_path)?;
    let headers = r.headers()?.clone();
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(0, c as u16, h)?;
    }
    for (i, rec) in r.records().take(rows as usize).enumerate() {
        let rec = rec?;
        for (c, v) in rec.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(i as u32 + 1, c as u16, v)?;
            }
        }
    }
    wb.save(path)?;
    Ok(())
}

/// A Totara-like completions export: users × courses, English headings and dates.
fn write_completions(path: &Path, rows: u64, config: &crate::config::Config) -> std::io::Result<()> {
    const COURSES: [&str; 10] = [
        "Handläggning med barnet i centrum",
        "Handläggning av unga lagöverträdare",
        "Samtal och delaktighet",
        "Utsatthet och våld",
        "Uppdrag och ansvar",
        "Delaktighet och samverkan",
        "Bemötande och förhållningssätt",
        "Lagstiftning och dokumentation",
        "Leda lärande och utveckling",
        "Kommunikation och samverkan",
    ];
    const STATUS: [&str; 4] = ["Complete", "In progress", "Not yet started", "Complete via rpl"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let mut w = csv::WriterBuilder::new().buffer_capacity(1 << 20).from_path(path)?;
    w.write_record([
        "Username",
        "User's Email",
        "Course Name",
        "Completion Status",
        "Date Started",
        "Completion Date",
        "User's Organisation Name(s)",
    ])?;
    let kommuner: Vec<&str> = config.municipalities.iter().map(|m| m.name.as_str()).collect();
    let users = rows.div_ceil(COURSES.len() as u64);
    let mut n = 0;
    'outer: for u in 0..users {
        for (c, course) in COURSES.iter().enumerate() {
            if n == rows {
                break 'outer;
            }
            let status = STATUS[((u * 7 + c as u64) % 4) as usize];
            let started = format!("{} {} 2026", 1 + (u % 28), MONTHS[(u % 12) as usize]);
            let done = if status.starts_with("Complete") {
                format!("{} {} 2026", 1 + ((u + 3) % 28), MONTHS[((u + c as u64) % 12) as usize])
            } else {
                String::new()
            };
            let kommun = kommuner[(u % kommuner.len() as u64) as usize];
            let name = format!("user{u:07}");
            w.write_record([
                name.as_str(),
                &format!("{name}@kommun.example"),
                course,
                status,
                &started,
                &done,
                kommun,
            ])?;
            n += 1;
        }
    }
    w.flush()
}
