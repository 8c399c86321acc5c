//! `yrkesresan serve`: run the pipelines on their schedules until stopped.
//!
//! Each pipeline's next run is computed by [`crate::schedule`] (DST-correct,
//! in its own time zone) and registered with tokio-cron-scheduler as a
//! one-shot job at that instant; when it fires, the job runs (one at a time,
//! under the state's job lock) and the next run is registered. On start, a
//! pipeline whose last scheduled time passed while the service was down (per
//! the run log) runs once. SIGTERM or Ctrl-C stops scheduling and lets a
//! running job finish, waiting at most `--grace-seconds`. Between runs,
//! once a minute, the outbox sends what has come due on its backoff.

use super::run::context;
use super::CommonArgs;
use crate::config::{load_pipelines, pipeline_problems, Pipeline};
use crate::domain::clock::Clock;
use crate::jobs::{execute, JobSettings, JobSpec, StateLock};
use crate::schedule::Schedule;
use crate::store::Store;
use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::Args;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};
use tokio_cron_scheduler::{Job, JobScheduler};

/// Flags of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// The folder of pipeline files.
    #[arg(long, default_value = "pipelines")]
    pipelines: PathBuf,
    /// How long a stop waits for a running job to finish.
    #[arg(long, default_value_t = 600)]
    grace_seconds: u64,
}

/// A pipeline with its parsed schedule.
struct Planned {
    pipeline: Pipeline,
    schedule: Schedule,
}

/// Runs the service until a stop signal.
pub fn serve(args: &ServeArgs) -> anyhow::Result<u8> {
    let ctx = context(&args.common)?;
    let pipelines = load_pipelines(&args.pipelines).map_err(|e| anyhow::anyhow!("{e}"))?;
    let problems: Vec<_> =
        pipelines.iter().flat_map(|p| pipeline_problems(&ctx.config, p, &ctx.config.source)).collect();
    if !problems.is_empty() {
        anyhow::bail!("{}", crate::config::ConfigErrors(problems));
    }
    let planned: Vec<Planned> = pipelines
        .into_iter()
        .map(|p| {
            let schedule =
                Schedule::new(&p.schedule, p.timezone).map_err(|e| anyhow::anyhow!("{}: {e}", p.file.display()))?;
            Ok(Planned { pipeline: p, schedule })
        })
        .collect::<anyhow::Result<_>>()?;
    let _service =
        StateLock::service(&ctx.state, &ctx.now()).context("another `yrkesresan serve` is running for this state")?;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    rt.block_on(run(ctx, planned, Duration::from_secs(args.grace_seconds)))
}

/// Registers pipeline `i` to fire at `at` (a one-shot timer from the run's clock's now).
async fn register(
    sched: &JobScheduler,
    clock: &dyn Clock,
    tx: UnboundedSender<(usize, DateTime<Utc>)>,
    i: usize,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    let wait = (at - clock.now()).to_std().unwrap_or(Duration::ZERO);
    let job = Job::new_one_shot_async(wait, move |_, _| {
        let tx = tx.clone();
        Box::pin(async move {
            let _ = tx.send((i, at));
        })
    })?;
    sched.add(job).await?;
    Ok(())
}

/// Queues a catch-up run for each pipeline whose last scheduled time passed
/// unserved (per the run log), and registers every pipeline's next run.
async fn plan(
    ctx: &JobSettings,
    planned: &[Planned],
    sched: &JobScheduler,
    tx: &UnboundedSender<(usize, DateTime<Utc>)>,
) -> anyhow::Result<()> {
    let now = ctx.clock.now();
    let store = Store::open_with_clock(&ctx.state, ctx.clock.clone())?;
    for (i, p) in planned.iter().enumerate() {
        let last_due = p.schedule.previous_at_or_before(now);
        let last_run =
            store.last_scheduled(p.pipeline.job.as_str())?.and_then(|s| DateTime::parse_from_rfc3339(&s).ok());
        if let (Some(due), Some(ran)) = (last_due, last_run) {
            if ran.with_timezone(&Utc) < due {
                tracing::warn!("{} missed its run at {due}; running it now.", p.pipeline.name);
                tx.send((i, due))?;
            }
        }
        if let Some(next) = p.schedule.next_after(now) {
            tracing::info!("{} next runs at {next}.", p.pipeline.name);
            register(sched, ctx.clock.as_ref(), tx.clone(), i, next).await?;
        }
    }
    Ok(())
}

/// Sends what has come due in the outbox (between runs, once a minute).
async fn drain_outbox(ctx: &JobSettings) {
    let mut settings = ctx.clone();
    settings.scheduled_at = Some(ctx.clock.now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    match tokio::task::spawn_blocking(move || crate::jobs::drain_waiting(&settings)).await {
        Ok(Ok(Some(drained))) => println!("Outbox: {}", drained.figure()),
        Ok(Ok(None)) => {}
        Ok(Err(e)) => eprintln!("Outbox: {e}"),
        Err(e) => eprintln!("Outbox: stopped abnormally: {e}"),
    }
}

/// The settings of one scheduled run of `p`, due at `at`.
fn scheduled(ctx: &JobSettings, p: &Planned, at: DateTime<Utc>) -> (JobSettings, JobSpec) {
    let mut job_ctx = ctx.clone();
    job_ctx.scheduled_at = Some(at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    job_ctx.delivery.dry_run = !p.pipeline.email;
    job_ctx.delivery.recipients = Some(p.pipeline.recipients.clone());
    job_ctx.sources = p.pipeline.sources.clone();
    (job_ctx, JobSpec::for_schedule(p.pipeline.job, at, p.pipeline.timezone))
}

async fn run(ctx: JobSettings, planned: Vec<Planned>, grace: Duration) -> anyhow::Result<u8> {
    let mut sched = JobScheduler::new().await?;
    let (tx, mut rx) = unbounded_channel::<(usize, DateTime<Utc>)>();
    plan(&ctx, &planned, &sched, &tx).await?;
    sched.start().await?;
    println!("Serving {} pipeline(s); stop with SIGTERM or Ctrl-C.", planned.len());
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    // Between runs, the outbox is drained as its messages come due (backoff).
    let mailing = ctx.config.smtp.is_some() && planned.iter().any(|p| p.pipeline.email);
    let mut outbox_tick = tokio::time::interval(Duration::from_secs(60));
    outbox_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = outbox_tick.tick(), if mailing => drain_outbox(&ctx).await,
            Some((i, at)) = rx.recv() => {
                // The scheduler's timer has whole-second resolution: never start early.
                if let Ok(early) = (at - ctx.clock.now()).to_std() {
                    tokio::time::sleep(early).await;
                }
                let p = &planned[i];
                let (job_ctx, spec) = scheduled(&ctx, p, at);
                let name = p.pipeline.name.clone();
                let mut handle = tokio::task::spawn_blocking(move || execute(&job_ctx, spec));
                let stopped = tokio::select! {
                    done = &mut handle => { report(&name, done); false }
                    _ = tokio::signal::ctrl_c() => true,
                    _ = term.recv() => true,
                };
                if stopped {
                    println!("Stopping: waiting up to {} s for {name} to finish.", grace.as_secs());
                    let _ = sched.shutdown().await;
                    match tokio::time::timeout(grace, handle).await {
                        Ok(done) => report(&name, done),
                        Err(_) => {
                            // Cut off on request, not by a bad file: nothing to set aside.
                            crate::jobs::reading::forget_marker(&ctx.state);
                            eprintln!("{name} did not finish in time; its uncommitted work is discarded.")
                        }
                    }
                    return Ok(0);
                }
                if let Some(next) = p.schedule.next_after(ctx.clock.now().max(at)) {
                    register(&sched, ctx.clock.as_ref(), tx.clone(), i, next).await?;
                }
            }
            _ = tokio::signal::ctrl_c() => break,
            _ = term.recv() => break,
        }
    }
    println!("Stopped.");
    let _ = sched.shutdown().await;
    Ok(0)
}

fn report(name: &str, done: Result<Result<crate::jobs::RunSummary, crate::jobs::JobError>, tokio::task::JoinError>) {
    match done {
        Ok(Ok(summary)) => print!("{summary}"),
        Ok(Err(e)) => eprintln!("{name} failed: {e}"),
        Err(e) => eprintln!("{name} stopped abnormally: {e}"),
    }
}
