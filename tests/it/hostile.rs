//! Hostile or broken input never stops the service.
//!
//! A seeded mutation test runs a few hundred damaged files of every input kind
//! (CSV in three encodings, accounts and register workbooks, ods) and crafted
//! workbooks (a column bomb, a sheet that claims the whole grid, a lying
//! shared-string count, a zip bomb, missing parts, an ods that repeats rows
//! and columns without end) through the real binary under a 4 GiB
//! address-space limit: every case ends with exit 0, 1 or 2 and a message,
//! none panics, aborts or runs past 30 s. The longer run:
//! `YRKESRESAN_MUTATION_CASES=5000 cargo test --release --test it hostile -- --nocapture`.

use super::helpers::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const SYNC: &str = "[ingest]\nsettle_seconds = 0\n";

/// Seed files: (name, bytes), each a valid input of its kind.
fn seeds() -> &'static Vec<(String, Vec<u8>)> {
    static SEEDS: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let mut out = Vec::new();
        let mut accounts = String::from(
            "Username,User's Email,User's Fullname,User's Organisation Name(s),User's Position Name(s),User Status\n",
        );
        let mut completions = String::from("\u{feff}Username,Course Name,Completion Status,Date Started\n");
        let mut signups: Vec<u8> = b"Anv\xe4ndarnamn;Kursnamn;Sessionens starttid;Status\n".to_vec();
        for i in 0..20 {
            accounts += &format!("u{i},u{i}@falun.example,Anna Ek {i},Falu kommun,\"Medarbetare, Utbildare\",Active\n");
            completions += &format!("u{i},Samtal och delaktighet,Complete,5 Mar 2026\n");
            signups.extend(format!("u{i};Samtal och delaktighet;5 mars 2026, 09:00;Fully attended\n").as_bytes());
        }
        out.push(("accounts.csv".into(), accounts.into_bytes()));
        out.push(("completions.csv".into(), completions.into_bytes()));
        out.push(("signups.csv".into(), signups));
        let dir = tempfile::tempdir().unwrap();
        let mut b = RegisterBuilder::new();
        b.round("R1", "Samtal och delaktighet", "bou", "medarbetare", "regional", None).day("R1", 1, "2026-03-03");
        b.trainer("R1", 1, "Karin", "Falun", "kursledare").trainer("R1", 1, "Ulf", "Mora", "utbildare");
        b.participants("R1", "Mora", 5, &[1]);
        let reg = dir.path().join("register.xlsx");
        b.sheets.write(&reg).unwrap();
        out.push(("register.xlsx".into(), std::fs::read(&reg).unwrap()));
        out.push(("accounts.xlsx".into(), accounts_xlsx()));
        let ods = dir.path().join("signups.ods");
        write_ods(
            &ods,
            &[
                vec!["Username", "Course Name", "Session Start Date/Time", "Signup status"],
                vec!["u1", "Samtal och delaktighet", "2026-03-03 09:00", "Fully attended"],
            ],
        );
        out.push(("signups.ods".into(), std::fs::read(&ods).unwrap()));
        out
    })
}

fn accounts_xlsx() -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in
        ["Username", "User's Email", "User's Fullname", "User's Organisation Name(s)", "User's Position Name(s)"]
            .iter()
            .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for r in 1..20u32 {
        for (c, v) in
            [format!("u{r}"), format!("u{r}@mora.example"), format!("Ulf {r}"), "Mora".into(), "Medarbetare".into()]
                .iter()
                .enumerate()
        {
            ws.write_string(r, c as u16, v).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

/// The parts of a zip, in order.
fn parts(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut v = Vec::new();
            f.read_to_end(&mut v).unwrap();
            (f.name().to_string(), v)
        })
        .collect()
}

/// A zip of the given parts (deflated).
fn zip_of(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in parts {
        z.start_file(name.as_str(), opts).unwrap();
        z.write_all(data).unwrap();
    }
    z.finish().unwrap().into_inner()
}

/// The accounts workbook with one part replaced (or removed when `with` is None).
fn patched(part: &str, with: Option<Vec<u8>>) -> Vec<u8> {
    let mut p = parts(&accounts_xlsx());
    match with {
        Some(w) => match p.iter_mut().find(|(n, _)| n == part) {
            Some(slot) => slot.1 = w,
            None => p.push((part.into(), w)),
        },
        None => p.retain(|(n, _)| n != part),
    }
    zip_of(&p)
}

const SHEET_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#;

fn sheet_xml(dimension: &str, cells: &[(&str, &str)]) -> Vec<u8> {
    let mut s = format!("{SHEET_HEAD}<dimension ref=\"{dimension}\"/><sheetData>");
    for (at, v) in cells {
        let row: String = at.chars().filter(|c| c.is_ascii_digit()).collect();
        s += &format!("<row r=\"{row}\"><c r=\"{at}\" t=\"inlineStr\"><is><t>{v}</t></is></c></row>");
    }
    s += "</sheetData></worksheet>";
    s.into_bytes()
}

/// Crafted workbooks: (name, bytes, what the rejection must say).
fn crafted() -> &'static Vec<(String, Vec<u8>, &'static str)> {
    static CRAFTED: OnceLock<Vec<(String, Vec<u8>, &'static str)>> = OnceLock::new();
    CRAFTED.get_or_init(|| {
        let sheet = "xl/worksheets/sheet1.xml";
        let bomb = {
            // 600 MiB of spaces in one part: ~600 KB packed.
            let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated)
                .large_file(true);
            for (name, data) in parts(&accounts_xlsx()).iter().filter(|(n, _)| n != sheet) {
                z.start_file(name.as_str(), opts).unwrap();
                z.write_all(data).unwrap();
            }
            z.start_file(sheet, opts).unwrap();
            z.write_all(SHEET_HEAD.as_bytes()).unwrap();
            let chunk = vec![b' '; 1 << 20];
            for _ in 0..600 {
                z.write_all(&chunk).unwrap();
            }
            z.finish().unwrap().into_inner()
        };
        let mut ods_rows = String::from("<table:table-row><table:table-cell office:value-type=\"string\"><text:p>Username</text:p></table:table-cell></table:table-row>");
        ods_rows += "<table:table-row table:number-rows-repeated=\"1048000\"><table:table-cell table:number-columns-repeated=\"16000\"/></table:table-row>";
        ods_rows += "<table:table-row><table:table-cell table:number-columns-repeated=\"16000\"/><table:table-cell office:value-type=\"string\"><text:p>x</text:p></table:table-cell></table:table-row>";
        let ods = {
            let p = tempfile::tempdir().unwrap();
            let f = p.path().join("a.ods");
            write_ods(&f, &[vec!["Username"]]);
            let mut ps = parts(&std::fs::read(&f).unwrap());
            for (n, d) in ps.iter_mut() {
                if n == "content.xml" {
                    let text = String::from_utf8(d.clone()).unwrap();
                    let start = text.find("<table:table-row>").unwrap();
                    let end = text.rfind("</table:table-row>").unwrap() + "</table:table-row>".len();
                    *d = format!("{}{ods_rows}{}", &text[..start], &text[end..]).into_bytes();
                }
            }
            zip_of(&ps)
        };
        vec![
            ("column-bomb.xlsx".into(), patched(sheet, Some(sheet_xml("A1:ZZZZZZ2", &[("A1", "Username"), ("ZZZZZZ2", "x")]))), "cell ZZZZZZ2 lies beyond Excel's last column"),
            ("whole-grid.xlsx".into(), patched(sheet, Some(sheet_xml("A1:XFD1048576", &[("A1", "Username"), ("XFD1048576", "x")]))), "not recognised"),
            ("row-bomb.xlsx".into(), patched(sheet, Some(sheet_xml("A1:A2000000", &[("A1", "Username"), ("A2000000", "x")]))), "cell A2000000 lies beyond"),
            ("shared-strings.xlsx".into(), patched("xl/sharedStrings.xml", Some(br#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="100000000000" uniqueCount="100000000000"><si><t>Username</t></si></sst>"#.to_vec())), "declares 100000000000 strings"),
            ("zip-bomb.xlsx".into(), bomb, "more than ingest.max_part_bytes"),
            ("no-workbook.xlsx".into(), patched("xl/workbook.xml", None), "not recognised"),
            ("no-sheet.xlsx".into(), patched(sheet, None), "not recognised"),
            ("repeats.ods".into(), ods, "holds only"),
        ]
    })
}

/// Damages bytes the ways files get damaged.
fn mutate(rng: &mut StdRng, seed: &[u8]) -> (String, Vec<u8>) {
    let mut b = seed.to_vec();
    let at = |rng: &mut StdRng, b: &Vec<u8>| rng.gen_range(0..=b.len());
    match rng.gen_range(0..7) {
        0 => {
            for _ in 0..rng.gen_range(1..12) {
                if !b.is_empty() {
                    let i = rng.gen_range(0..b.len());
                    b[i] ^= 1 << rng.gen_range(0..8);
                }
            }
            ("byte flips".into(), b)
        }
        1 => {
            let n = at(rng, &b);
            b.truncate(n);
            (format!("truncated at {n}"), b)
        }
        2 => {
            let i = at(rng, &b);
            b.splice(i..i, std::iter::repeat_n(b'x', 2 << 20));
            ("a 2 MiB line".into(), b)
        }
        3 => {
            for _ in 0..rng.gen_range(1..20) {
                let i = at(rng, &b);
                b.insert(i, 0);
            }
            ("NUL bytes".into(), b)
        }
        4 => {
            let i = at(rng, &b);
            b.splice(i..i, [0xFF, 0xFE, 0xC3, 0x28, 0xE2, 0x82]);
            ("invalid UTF-8".into(), b)
        }
        5 => {
            let s = at(rng, &b);
            let e = (s + rng.gen_range(1..4096)).min(b.len());
            let chunk = b[s..e].to_vec();
            for _ in 0..rng.gen_range(1..50) {
                let i = at(rng, &b);
                b.splice(i..i, chunk.iter().copied());
            }
            ("duplicated chunks".into(), b)
        }
        _ => {
            let keep = b.len().saturating_sub(rng.gen_range(0..64));
            b.truncate(keep);
            b.extend((0..rng.gen_range(1..256)).map(|_| rng.gen::<u8>()));
            ("random tail".into(), b)
        }
    }
}

/// One case through the real binary under a 4 GiB address-space limit.
fn run_case(name: &str, bytes: &[u8]) -> Result<(i32, String), String> {
    let w = Workdir::new();
    let config = w.config_appending(SYNC);
    w.inbox_file(name, bytes);
    let args = w.run_args(&["run", "nightly-sync"], &config);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_yrkesresan"));
    cmd.args(&args).current_dir(w.path()).stdout(Stdio::piped()).stderr(Stdio::piped());
    // SAFETY: setrlimit is async-signal-safe; called in the child before exec.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit { rlim_cur: 4 << 30, rlim_max: 4 << 30 };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn().map_err(|e| e.to_string())?;
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        let _ = err.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
            break s;
        }
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{name}: ran past 30 s"));
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let text = reader.join().unwrap();
    let code = status.code().ok_or_else(|| format!("{name}: killed by a signal ({status}): {text}"))?;
    if !(0..=2).contains(&code) || text.contains("panicked") || text.contains("internal error") {
        return Err(format!("{name}: exit {code}: {text}"));
    }
    if text.trim().is_empty() {
        return Err(format!("{name}: exit {code} without a message"));
    }
    let rejected = w.inbox().join("rejected").join(format!("{name}.error.txt"));
    Ok((code, std::fs::read_to_string(rejected).unwrap_or_default()))
}

#[test]
fn hostile_and_broken_files_never_stop_the_service() {
    let cases: usize = std::env::var("YRKESRESAN_MUTATION_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(220);
    let mut list: Vec<(String, String, Vec<u8>)> = Vec::new();
    let mut rng = StdRng::seed_from_u64(20_261_123);
    for i in 0..cases {
        let (name, seed) = &seeds()[i % seeds().len()];
        let (how, bytes) = mutate(&mut rng, seed);
        list.push((format!("{how} of {name}"), name.clone(), bytes));
    }
    for (name, bytes, _) in crafted() {
        list.push((format!("crafted {name}"), name.clone(), bytes.clone()));
    }
    let start = Instant::now();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failures = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some((what, name, bytes)) = list.get(i) else { break };
                if let Err(e) = run_case(name, bytes) {
                    failures.lock().unwrap().push(format!("{what}: {e}"));
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(failures.is_empty(), "{} of {} case(s) failed:\n{}", failures.len(), list.len(), failures.join("\n"));
    eprintln!("{} cases in {:.1} s", list.len(), start.elapsed().as_secs_f64());
}

#[test]
fn crafted_workbooks_are_rejected_with_the_reason_named() {
    for (name, bytes, reason) in crafted() {
        let (code, why) = run_case(name, bytes).unwrap();
        assert_eq!(code, 1, "{name}: a rejected file is a finding");
        assert!(why.contains(reason), "{name}: «{reason}» not in «{why}»");
    }
}

#[test]
fn a_line_over_the_cap_rejects_the_file_naming_the_line() {
    let mut csv = b"Username,Course Name,Completion Status\nu1,Kurs,Complete\n".to_vec();
    csv.extend(std::iter::repeat_n(b'x', (1 << 20) + 10));
    csv.extend(b"\nu2,Kurs,Complete\n");
    let (code, why) = run_case("completions.csv", &csv).unwrap();
    assert_eq!(code, 1);
    assert!(why.contains("line 3 is longer than ingest.max_line_bytes (1048576 bytes)"), "{why}");
}

#[test]
fn a_file_that_kills_the_reader_is_set_aside_on_the_next_run() {
    let w = Workdir::new();
    let config = w.config_appending(SYNC);
    let (_, accounts) = &seeds()[0];
    w.inbox_file("deadly.csv", accounts);
    let out = w.run_env(&["run", "nightly-sync"], &config, &[("YRKESRESAN_FAULT_ABORT_READING", "deadly.csv")]);
    assert_eq!(out.status.code(), None, "the process died: {}", text(&out));
    assert!(w.inbox().join("deadly.csv").exists(), "the file is still in the inbox");

    // The next run (any job) sets it aside and logs the dead run; nothing dies again.
    let out = w.run_env(&["run", "nightly-sync"], &config, &[("YRKESRESAN_FAULT_ABORT_READING", "deadly.csv")]);
    assert!(matches!(out.status.code(), Some(0..=1)), "{}", text(&out));
    assert!(text(&out).contains("stopped while reading"), "{}", text(&out));
    assert!(!w.inbox().join("deadly.csv").exists());
    let why = std::fs::read_to_string(w.inbox().join("rejected/deadly.csv.error.txt")).unwrap();
    assert!(why.contains("the previous run (nightly-sync started"), "{why}");
    let store = yrkesresan::store::Store::open(&w.out().join("yrkesresan-state.sqlite")).unwrap();
    let runs = store.recent_runs(10).unwrap();
    assert!(
        runs.iter().any(|r| r.outcome == yrkesresan::store::Outcome::Failed
            && r.error.as_deref().unwrap_or("").contains("stopped while reading")),
        "{runs:?}"
    );
}

#[test]
fn serve_survives_a_panicking_job_and_logs_it() {
    let w = Workdir::new();
    let config = w.config_appending(SYNC);
    let dir = w.path().join("pipelines");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("sync.toml"), "name = \"sync\"\njob = \"nightly-sync\"\nschedule = \"*/2 * * * * *\"\n")
        .unwrap();
    let args = w.run_args(&["serve", "--pipelines", dir.to_str().unwrap(), "--grace-seconds", "5"], &config);
    let mut serve = Command::new(env!("CARGO_BIN_EXE_yrkesresan"))
        .args(&args)
        .current_dir(w.path())
        .env("YRKESRESAN_FAULT_PANIC", "nightly-sync")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(w.path().join("serve.log")).unwrap())
        .spawn()
        .unwrap();
    let state = w.out().join("yrkesresan-state.sqlite");
    let start = Instant::now();
    let failed = loop {
        let n = yrkesresan::store::Store::open(&state)
            .ok()
            .and_then(|s| s.recent_runs(20).ok())
            .map(|runs| runs.iter().filter(|r| r.error.as_deref().unwrap_or("").contains("internal error")).count())
            .unwrap_or(0);
        if n >= 2 || start.elapsed() > Duration::from_secs(30) {
            break n;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let log = || std::fs::read_to_string(w.path().join("serve.log")).unwrap_or_default();
    assert!(serve.try_wait().unwrap().is_none(), "serve is still running: {}", log());
    // SAFETY: signalling our own child.
    unsafe { libc::kill(serve.id() as i32, libc::SIGTERM) };
    let status = serve.wait().unwrap();
    assert!(failed >= 2, "each panicking run is logged as failed and serve runs the next: {failed}");
    assert_eq!(status.code(), Some(0));
}

#[test]
fn a_symlinked_processed_folder_is_refused_and_nothing_is_stored() {
    let w = Workdir::new();
    let config = w.config_appending(SYNC);
    let (_, accounts) = &seeds()[0];
    w.inbox_file("accounts.csv", accounts);
    let elsewhere = w.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, w.inbox().join("processed")).unwrap();
    let out = w.run(&["run", "nightly-sync"], &config);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("processed is a symbolic link"), "{}", text(&out));
    assert!(w.inbox().join("accounts.csv").exists());
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0, "nothing written through the link");
}
