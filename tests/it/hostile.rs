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
//!
//! Beside it, one test per check, through the real binary under the same
//! limits: lying shared-string counts however written, cell references that
//! overflow calamine's arithmetic, ods files bounded over all their sheets
//! (and never read forever), each zip cap, what `ingest` shows, a run that
//! rejects a file (the others committed, the run logged failed), leftover
//! staging folders and links planted at `findings.csv`.

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

/// Runs `cmd` under a 4 GiB address-space limit and a 30 s deadline; its
/// exit code and output (stdout and stderr), or why it is a failure: killed
/// by a signal (an abort), past the deadline, a panic, no message.
fn limited(what: &str, mut cmd: Command) -> Result<(i32, String), String> {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
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
            return Err(format!("{what}: ran past 30 s"));
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let text = reader.join().unwrap();
    let code = status.code().ok_or_else(|| format!("{what}: killed by a signal ({status}): {text}"))?;
    if !(0..=2).contains(&code) || text.contains("panicked") || text.contains("internal error") {
        return Err(format!("{what}: exit {code}: {text}"));
    }
    if text.trim().is_empty() {
        return Err(format!("{what}: exit {code} without a message"));
    }
    Ok((code, text))
}

/// One case through the real binary (`run nightly-sync`) under a 4 GiB
/// address-space limit; the exit code and the rejection note, if any.
fn run_case(name: &str, bytes: &[u8]) -> Result<(i32, String), String> {
    run_case_with(name, bytes, SYNC)
}

/// As [`run_case`], with `config` as the `[ingest]` section.
fn run_case_with(name: &str, bytes: &[u8], config: &str) -> Result<(i32, String), String> {
    let w = Workdir::new();
    let config = w.config_appending(config);
    w.inbox_file(name, bytes);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_yrkesresan"));
    cmd.args(w.run_args(&["run", "nightly-sync"], &config)).current_dir(w.path());
    let (code, _) = limited(name, cmd)?;
    let rejected = w.inbox().join("rejected").join(format!("{name}.error.txt"));
    Ok((code, std::fs::read_to_string(rejected).unwrap_or_default()))
}

/// `yrkesresan ingest FILE` on one file, under the same limits: its exit
/// code and what it prints.
fn ingest_case(name: &str, bytes: &[u8]) -> Result<(i32, String), String> {
    let w = Workdir::new();
    let file = w.inbox_file(name, bytes);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_yrkesresan"));
    cmd.args(["ingest", "--config", config_path().to_str().unwrap(), file.to_str().unwrap()]).current_dir(w.path());
    limited(name, cmd)
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

/// The accounts workbook with `xl/sharedStrings.xml` replaced by `sst`.
fn with_shared_strings(sst: &str) -> Vec<u8> {
    patched("xl/sharedStrings.xml", Some(sst.as_bytes().to_vec()))
}

#[test]
fn a_lying_shared_string_count_is_found_however_the_table_is_written() {
    const NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    let comment = format!("<!--{}-->", "x".repeat(5000));
    let cases = [
        ("single quotes", format!("<?xml version='1.0'?><sst xmlns='{NS}' count='100000000000' uniqueCount='100000000000'><si><t>Username</t></si></sst>")),
        ("a newline before the count", format!("<?xml version=\"1.0\"?><sst xmlns=\"{NS}\"\nuniqueCount=\"100000000000\"><si><t>Username</t></si></sst>")),
        ("a 5 KB comment first", format!("<?xml version=\"1.0\"?>{comment}<sst xmlns=\"{NS}\" uniqueCount=\"100000000000\"><si><t>Username</t></si></sst>")),
        ("a namespace prefix", format!("<?xml version=\"1.0\"?><x:sst xmlns:x=\"{NS}\" uniqueCount=\"100000000000\"><x:si><x:t>Username</x:t></x:si></x:sst>")),
    ];
    for (how, sst) in cases {
        let (code, why) =
            run_case("accounts.xlsx", &with_shared_strings(&sst)).unwrap_or_else(|e| panic!("{how}: {e}"));
        assert_eq!(code, 1, "{how}");
        assert!(why.contains("'xl/sharedStrings.xml' declares 100000000000 strings (uniqueCount)"), "{how}: {why}");
    }
    // `count` (uses of the strings) is held against the whole workbook.
    let sst = format!("<sst xmlns=\"{NS}\" count=\"100000000000\" uniqueCount=\"1\"><si><t>Username</t></si></sst>");
    let (_, why) = run_case("accounts.xlsx", &with_shared_strings(&sst)).unwrap();
    assert!(why.contains("declares 100000000000 uses (count)"), "{why}");
}

#[test]
fn cell_references_calamine_cannot_count_are_refused_naming_sheet_and_reference() {
    let sheet = "xl/worksheets/sheet1.xml";
    let row_overflow = format!(
        "{SHEET_HEAD}<sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>Username</t></is></c></row>\
         <row r=\"99999999999\"><c t=\"inlineStr\"><is><t>x</t></is></c></row></sheetData></worksheet>"
    );
    // calamine takes the last of two `r` attributes: both are looked at.
    let twice = format!(
        "{SHEET_HEAD}<sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>Username</t></is></c></row>\
         <row r=\"2\"><c r=\"A2\" r=\"ZZZZZZZZZZZZ2\" t=\"inlineStr\"><is><t>x</t></is></c></row></sheetData></worksheet>"
    );
    let cases = [
        ("twice.xlsx", twice.into_bytes(), "sheet 'Sheet1', cell ZZZZZZZZZZZZ2 lies beyond"),
        (
            "columns.xlsx",
            sheet_xml("A1:B2", &[("A1", "Username"), ("ZZZZZZZZZZZZ2", "x")]),
            "sheet 'Sheet1', cell ZZZZZZZZZZZZ2 lies beyond",
        ),
        (
            "rows.xlsx",
            sheet_xml("A1:B2", &[("A1", "Username"), ("A99999999999", "x")]),
            "sheet 'Sheet1', cell A99999999999 lies beyond",
        ),
        (
            "reversed.xlsx",
            sheet_xml("B2:A1", &[("A1", "Username"), ("A2", "x")]),
            "sheet 'Sheet1': its dimension 'B2:A1' ends before it starts",
        ),
        ("row-number.xlsx", row_overflow.into_bytes(), "sheet 'Sheet1', row 99999999999 lies beyond Excel's last row"),
    ];
    for (name, xml, reason) in cases {
        let bytes = patched(sheet, Some(xml));
        let (code, why) = run_case(name, &bytes).unwrap();
        assert_eq!(code, 1, "{name}");
        assert!(why.contains(reason), "{name}: «{reason}» not in «{why}»");
        // `ingest` says the same, and does not panic (it has no reading marker to catch one).
        let (code, said) = ingest_case(name, &bytes).unwrap();
        assert_eq!(code, 2, "{name}: {said}");
        assert!(said.contains(reason), "{name}: «{reason}» not in «{said}»");
    }
}

#[test]
fn ingest_shows_why_a_workbook_is_refused_and_cuts_a_long_heading() {
    let (_, bytes, _) = crafted().iter().find(|(n, ..)| n == "column-bomb.xlsx").unwrap();
    let (code, said) = ingest_case("column-bomb.xlsx", bytes).unwrap();
    assert_eq!(code, 2);
    assert!(said.contains("problem:  not recognised: sheet 'Sheet1', cell ZZZZZZ2 lies beyond"), "{said}");

    // A heading of 10 000 characters is echoed cut, by `ingest` and beside the rejected file.
    let csv = format!("Username,{}\nu1,x\n", "H".repeat(10_000));
    let (code, said) = ingest_case("wide.csv", csv.as_bytes()).unwrap();
    assert_eq!(code, 2);
    assert!(said.contains(&format!("'{}…'", "H".repeat(40))), "{said}");
    assert!(said.len() < 1_000, "cut: {} bytes", said.len());
    let (code, why) = run_case("wide.csv", csv.as_bytes()).unwrap();
    assert_eq!(code, 1);
    assert!(why.contains(&format!("'{}…'", "H".repeat(40))) && why.len() < 1_000, "{why}");
}

/// An ods file whose `office:spreadsheet` holds `tables`.
fn ods_of(tables: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("a.ods");
    write_ods(&f, &[vec!["Username"]]);
    let mut ps = parts(&std::fs::read(&f).unwrap());
    for (n, d) in ps.iter_mut() {
        if n == "content.xml" {
            let text = String::from_utf8(d.clone()).unwrap();
            let start = text.find("<office:spreadsheet>").unwrap() + "<office:spreadsheet>".len();
            let end = text.find("</office:spreadsheet>").unwrap();
            *d = format!("{}{tables}{}", &text[..start], &text[end..]).into_bytes();
        }
    }
    zip_of(&ps)
}

/// A sheet of one heading and one cell `rows` rows and `cols` columns away:
/// two cells with a value, `rows × cols` as calamine builds it.
fn sparse_sheet(name: &str, rows: u32, cols: u32) -> String {
    format!(
        "<table:table table:name=\"{name}\"><table:table-row><table:table-cell office:value-type=\"string\"><text:p>Username</text:p></table:table-cell></table:table-row>\
         <table:table-row table:number-rows-repeated=\"{}\"><table:table-cell/></table:table-row>\
         <table:table-row><table:table-cell table:number-columns-repeated=\"{}\"/><table:table-cell office:value-type=\"string\"><text:p>x</text:p></table:table-cell></table:table-row></table:table>",
        rows - 2,
        cols - 1
    )
}

#[test]
fn an_ods_is_bounded_over_all_its_sheets_and_never_read_forever() {
    // One sheet of about 2 million cells fits the slack; five do not: the slack is the file's, not each sheet's.
    let five: String = (0..5).map(|i| sparse_sheet(&format!("T{i}"), 1_000, 1_999)).collect();
    let (code, why) = run_case("five.ods", &ods_of(&five)).unwrap();
    assert_eq!(code, 1);
    assert!(why.contains("would expand to 10005000 cells, but it holds only 10 cells with a value"), "{why}");
    // Sixty such sheets (a 1 KB file) would need gigabytes: refused, not an abort.
    let sixty: String = (0..60).map(|i| sparse_sheet(&format!("T{i}"), 1_000, 1_999)).collect();
    let (code, why) = run_case("sixty.ods", &ods_of(&sixty)).unwrap();
    assert_eq!(code, 1);
    assert!(why.contains("would expand to 120060000 cells, but it holds only 120 cells"), "{why}");
    // Spaces declared by `text:s` are written out by calamine: 4 000 000 000 of them are refused.
    let spaces = "<table:table table:name=\"T\"><table:table-row><table:table-cell office:value-type=\"string\"><text:p>Username<text:s text:c=\"4000000000\"/></text:p></table:table-cell></table:table-row></table:table>";
    let (_, why) = run_case("spaces.ods", &ods_of(spaces)).unwrap();
    assert!(why.contains("content.xml declares 4000000000 spaces (text:s)"), "{why}");
    // A content.xml that ends inside a sheet or a note would be read forever.
    let cut = "<table:table table:name=\"T\"><table:table-row><table:table-cell office:value-type=\"string\"><text:p>Username</text:p></table:table-cell></table:table-row>";
    let note = "<table:table table:name=\"T\"><table:table-row><table:table-cell office:value-type=\"string\"><office:annotation><text:p>a note";
    for (name, tables) in [("cut.ods", cut), ("note.ods", note)] {
        let bytes = ods_of(tables);
        let text = String::from_utf8(parts(&bytes).into_iter().find(|(n, _)| n == "content.xml").unwrap().1).unwrap();
        let end = text.find(tables).unwrap() + tables.len();
        let truncated: Vec<(String, Vec<u8>)> = parts(&bytes)
            .into_iter()
            .map(|(n, d)| if n == "content.xml" { (n, text.as_bytes()[..end].to_vec()) } else { (n, d) })
            .collect();
        let (code, why) = run_case(name, &zip_of(&truncated)).unwrap();
        assert_eq!(code, 1, "{name}");
        assert!(why.contains("content.xml ends inside") && why.contains("truncated"), "{name}: {why}");
    }
}

/// A zip of `parts` with the unpacked size of `part` declared as `declared`
/// in its local and central headers (the data is unchanged).
fn declaring(parts: &[(String, Vec<u8>)], part: &str, declared: u32) -> Vec<u8> {
    let mut bytes = zip_of(parts);
    let name = part.as_bytes();
    let mut i = 0;
    while i + 46 < bytes.len() {
        let sig = u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap());
        let (size_at, name_len_at, header) = match sig {
            0x0403_4b50 => (22, 26, 30),
            0x0201_4b50 => (24, 28, 46),
            _ => {
                i += 1;
                continue;
            }
        };
        let len = u16::from_le_bytes(bytes[i + name_len_at..i + name_len_at + 2].try_into().unwrap()) as usize;
        if bytes.get(i + header..i + header + len) == Some(name) {
            bytes[i + size_at..i + size_at + 4].copy_from_slice(&declared.to_le_bytes());
        }
        i += 4;
    }
    bytes
}

/// Bytes that do not compress.
fn noise(n: usize, seed: u64) -> Vec<u8> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n).map(|_| rng.gen::<u8>()).collect()
}

#[test]
fn each_zip_cap_rejects_the_workbook_naming_it() {
    let base = parts(&accounts_xlsx());
    let with =
        |extra: Vec<(String, Vec<u8>)>| -> Vec<(String, Vec<u8>)> { base.iter().cloned().chain(extra).collect() };
    let caps = |cap: &str| format!("[ingest]\nsettle_seconds = 0\n{cap}\n");
    let many = with((0..30).map(|i| (format!("xl/media/p{i}.bin"), vec![b'x'; 10])).collect());
    let zeros = with(vec![("xl/media/zeros.bin".into(), vec![0; 2 << 20])]);
    let big = with(vec![("xl/media/big.bin".into(), noise(1_200_000, 9))]);
    let three = with((0..3).map(|i| (format!("xl/media/n{i}.bin"), noise(600_000, i))).collect());
    let cases = [
        (
            "entries.xlsx",
            zip_of(&many),
            "max_zip_entries = 20",
            "the workbook has 40 parts, more than ingest.max_zip_entries (20)",
        ),
        (
            "ratio.xlsx",
            zip_of(&zeros),
            "max_compression_ratio = 100",
            "more than ingest.max_compression_ratio (100): a zip bomb",
        ),
        (
            "total.xlsx",
            zip_of(&three),
            "max_unpacked_bytes = 1500000",
            "the workbook unpacks to more than ingest.max_unpacked_bytes (1500000)",
        ),
        (
            "part.xlsx",
            zip_of(&big),
            "max_part_bytes = 1048576",
            "the part 'xl/media/big.bin' declares 1200000 bytes unpacked, more than ingest.max_part_bytes (1048576)",
        ),
    ];
    for (name, bytes, cap, reason) in cases {
        let (code, why) = run_case_with(name, &bytes, &caps(cap)).unwrap();
        assert_eq!(code, 1, "{name}");
        assert!(why.contains(reason), "{name}: «{reason}» not in «{why}»");
    }
    // A part that declares 1 000 bytes but unpacks to 1.2 MB is not believed: unpacking stops
    // where the declared size ends (the zip reader calamine uses does the same) and the workbook
    // is refused as damaged, whatever the caps.
    let lying = declaring(&big, "xl/media/big.bin", 1_000);
    for cap in ["max_part_bytes = 1048576", ""] {
        let (code, why) = run_case_with("lying.xlsx", &lying, &caps(cap)).unwrap();
        assert_eq!(code, 1);
        assert!(
            why.contains("the part 'xl/media/big.bin' of the workbook is damaged: File is larger than its declared"),
            "{why}"
        );
    }
}

#[test]
fn a_run_that_rejects_a_file_commits_the_others_and_is_logged_failed() {
    let w = Workdir::new();
    let config = w.config_appending(SYNC);
    let (_, accounts) = &seeds()[0];
    w.inbox_file("accounts.csv", accounts);
    let (_, bomb, _) = crafted().iter().find(|(n, ..)| n == "column-bomb.xlsx").unwrap();
    w.inbox_file("column-bomb.xlsx", bomb);
    let out = w.run(&["run", "nightly-sync"], &config);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    // The good file is stored and moved on; the bad one is set aside with its reason.
    assert!(w.inbox().join("processed/accounts.csv").exists());
    assert!(w.inbox().join("rejected/column-bomb.xlsx.error.txt").exists());
    let state = w.out().join("yrkesresan-state.sqlite");
    let store = yrkesresan::store::Store::open(&state).unwrap();
    assert_eq!(store.view_files().unwrap().len(), 1, "the accounts are in the view");
    let run = &store.recent_runs(1).unwrap()[0];
    assert_eq!(run.outcome, yrkesresan::store::Outcome::Failed);
    let error = run.error.as_deref().unwrap_or("");
    assert!(
        error.starts_with(
            "1 file(s) rejected: column-bomb.xlsx: not recognised: sheet 'Sheet1', cell ZZZZZZ2 lies beyond"
        ),
        "{error}"
    );
    assert_eq!((run.files, run.rows), (1, 20), "the accounts were committed with the run");
    let status = || bin(&["status", "--out", w.out().to_str().unwrap(), "--pipelines", "none"], w.path());
    let shown = status();
    assert_eq!(shown.status.code(), Some(1), "{}", text(&shown));
    assert!(
        text(&shown).contains("FAILED") && text(&shown).contains("1 file(s) rejected: column-bomb.xlsx"),
        "{}",
        text(&shown)
    );
    // A later run of the job that goes well clears it.
    let out = w.run(&["run", "nightly-sync"], &config);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out));
    assert_eq!(status().status.code(), Some(0), "{}", text(&status()));
}

#[test]
fn leftover_staging_folders_are_removed_when_a_run_starts() {
    let w = Workdir::new();
    let config = w.config_appending(SYNC);
    w.inbox();
    let left = w.out().join(".staging-4242-20261123T023000.123");
    std::fs::create_dir_all(left.join("kommuner")).unwrap();
    std::fs::write(left.join("kommuner/half-written.xlsx"), b"half").unwrap();
    let out = w.run(&["run", "nightly-sync"], &config);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out));
    assert!(!left.exists(), "the killed run's staging folder is gone");
    let stagings = entries(&w.out()).into_iter().filter(|n| n.starts_with(".staging-")).count();
    assert_eq!(stagings, 0, "and the run left none of its own");
}

#[test]
fn a_link_planted_at_findings_csv_is_replaced_not_followed() {
    let w = Workdir::new();
    let config = w.config_appending(SYNC);
    let (_, accounts) = &seeds()[0];
    w.inbox_file("accounts.csv", accounts);
    std::fs::create_dir_all(w.out()).unwrap();
    let elsewhere = w.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    for (link, target) in [("findings.csv", "a.txt"), (".findings.csv.part", "b.txt")] {
        std::fs::write(elsewhere.join(target), b"keep").unwrap();
        std::os::unix::fs::symlink(elsewhere.join(target), w.out().join(link)).unwrap();
    }
    let out = w.run(&["run", "nightly-sync"], &config);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out));
    for target in ["a.txt", "b.txt"] {
        assert_eq!(std::fs::read(elsewhere.join(target)).unwrap(), b"keep", "{target} written through a link");
    }
    let meta = std::fs::symlink_metadata(w.out().join("findings.csv")).unwrap();
    assert!(meta.file_type().is_file(), "findings.csv is a file of its own now");
    assert!(w.csv("findings.csv")[0].contains(&"severity".to_string()), "{:?}", w.csv("findings.csv"));

    // Nothing planted beside it (a folder where a temporary file was once written) fails the run.
    std::fs::remove_file(w.out().join(".findings.csv.part")).unwrap();
    std::fs::create_dir(w.out().join(".findings.csv.part")).unwrap();
    let out = w.run(&["run", "nightly-sync"], &config);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out));
    assert!(std::fs::symlink_metadata(w.out().join("findings.csv")).unwrap().file_type().is_file());
}
