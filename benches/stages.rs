//! Criterion benchmarks of the hot stages on generated national-scale data
//! (a fraction of it, so one iteration takes milliseconds): CSV and xlsx
//! parsing, reading the register, billing, the trainer pot, reconciliation
//! and one municipality workbook. `cargo bench --features bench`; the whole pipeline at full
//! scale is `yrkesresan bench` (see the README).

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use yrkesresan::billing::{invoice_basis, participant_days, trainer_pot, InvoiceInputs};
use yrkesresan::config::Config;
use yrkesresan::domain::ExportKind;
use yrkesresan::domain::PlatformData;
use yrkesresan::domain::Register;
use yrkesresan::domain::{Month, Year};
use yrkesresan::generate::{generate_national, NationalScale};
use yrkesresan::ingest::exports::read_export;
use yrkesresan::ingest::read_register;
use yrkesresan::jobs::{run_nightly_sync, JobContext, JobSettings};
use yrkesresan::reconcile::reconcile;
use yrkesresan::report::{municipality_workbook, MunicipalityReport, Part};
use yrkesresan::store::Store;

/// Generated input at 2 % of national size, synced once into a state database.
struct Fixture {
    _dir: tempfile::TempDir,
    config: Config,
    inbox: PathBuf,
    register: Register,
    platform: PlatformData,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("a temp dir");
    let year = Year::new(2026).expect("a year");
    let made = generate_national(dir.path(), year, 2026, NationalScale::fraction(0.02)).expect("generated");
    let mut config = yrkesresan::config::load(&made.config).expect("the generated config is valid");
    config.ingest.settle_seconds = 0;
    let inbox = dir.path().join("inbox");
    let register = read_register(&inbox.join("kursdagsregister-2026.xlsx"), &config).expect("register");
    // A copy of the inbox is synced, so the originals stay for the parsing benchmarks.
    let sync_inbox = dir.path().join("sync");
    std::fs::create_dir_all(&sync_inbox).unwrap();
    for f in &made.files {
        std::fs::copy(f, sync_inbox.join(f.file_name().unwrap())).unwrap();
    }
    let settings =
        JobSettings::new(config.clone(), sync_inbox, dir.path().join("out"), dir.path().join("state.sqlite"))
            .expect("the process clock");
    let state = settings.state.clone();
    run_nightly_sync(&mut JobContext::open(&settings).expect("a state database")).expect("sync");
    let courses = register.rounds.iter().map(|r| r.course.to_lowercase()).collect();
    let platform = Store::open(&state).unwrap().platform(Some(&courses)).unwrap();
    Fixture { _dir: dir, config, inbox, register, platform }
}

fn rows_of(path: &Path, kind: ExportKind, config: &Config) -> u64 {
    read_export(path, kind, config, &mut |_, _| Ok(())).expect("readable").rows
}

fn stages(c: &mut Criterion) {
    let f = fixture();
    let month = Month::parse("2026-11").unwrap();
    let year = Year::new(2026).unwrap();
    let mut g = c.benchmark_group("stages");
    g.sample_size(10);

    let csv = f.inbox.join("course_completion_20261101.csv");
    g.throughput(Throughput::Elements(rows_of(&csv, ExportKind::Completions, &f.config)));
    g.bench_function("parse completions csv (rows)", |b| {
        b.iter(|| {
            read_export(&csv, ExportKind::Completions, &f.config, &mut |_, r| {
                black_box(r);
                Ok(())
            })
        })
    });

    let xlsx = f.inbox.join("user_report_20261101.xlsx");
    g.throughput(Throughput::Elements(rows_of(&xlsx, ExportKind::Accounts, &f.config) * 9));
    g.bench_function("parse accounts xlsx (cells)", |b| {
        b.iter(|| {
            read_export(&xlsx, ExportKind::Accounts, &f.config, &mut |_, r| {
                black_box(r);
                Ok(())
            })
        })
    });

    let register = f.inbox.join("kursdagsregister-2026.xlsx");
    g.throughput(Throughput::Elements(f.register.participants.len() as u64));
    g.bench_function("read register (participant rows)", |b| b.iter(|| read_register(&register, &f.config)));
    g.bench_function("participant-days and invoice basis", |b| {
        b.iter(|| {
            let days = participant_days(&f.register, &f.config, month).unwrap();
            let inputs = InvoiceInputs { days: &days, extra_lines: &f.register.extra_lines, pot: None };
            invoice_basis(&f.config, month, inputs).unwrap()
        })
    });
    g.bench_function("trainer pot", |b| b.iter(|| trainer_pot(&f.register, &f.config, year, &[]).unwrap()));
    g.bench_function("reconcile", |b| b.iter(|| reconcile(&f.register, &f.platform, &f.config)));

    let days = participant_days(&f.register, &f.config, month).unwrap();
    let inputs = InvoiceInputs { days: &days, extra_lines: &f.register.extra_lines, pot: None };
    let basis = invoice_basis(&f.config, month, inputs).unwrap();
    let busiest = f.config.municipalities.iter().max_by_key(|m| days.iter().filter(|d| d.kommun == m.code).count());
    let m = busiest.expect("municipalities");
    g.throughput(Throughput::Elements(1));
    g.bench_function("one municipality workbook", |b| {
        b.iter_batched(
            || MunicipalityReport {
                part: Part::Whole,
                municipality: m,
                month,
                lines: basis.lines_of(m.code).collect(),
                days: days.iter().filter(|d| d.kommun == m.code).collect(),
                trainer_days: Vec::new(),
                pot_payout: None,
                findings: Vec::new(),
                accounts: None,
                progress: None,
            },
            |report| municipality_workbook(&f.config, &report).unwrap(),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
