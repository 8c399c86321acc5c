//! Test helpers: a working folder per test, the real config (optionally with a
//! rule changed), a register builder, and running the real binary.

use chrono::NaiveDate;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;
use yrkesresan::config::Config;
use yrkesresan::generate::{Cell, RegisterSheets};

/// The repository's config file.
pub fn config_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config/dalarna.toml")
}

/// The real config.
pub fn config() -> Config {
    yrkesresan::config::load(&config_path()).expect("the shipped config is valid")
}

/// A test's own folder with an inbox and an output folder.
pub struct Workdir {
    pub dir: tempfile::TempDir,
}

impl Workdir {
    pub fn new() -> Self {
        Workdir { dir: tempfile::tempdir().expect("temp dir") }
    }
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
    pub fn inbox(&self) -> PathBuf {
        let p = self.path().join("inbox");
        std::fs::create_dir_all(&p).unwrap();
        p
    }
    pub fn out(&self) -> PathBuf {
        self.path().join("out")
    }
    /// Writes the real config with `from` replaced by `to` (e.g. the pot rule).
    pub fn config_with(&self, replacements: &[(&str, &str)]) -> PathBuf {
        let mut text = std::fs::read_to_string(config_path()).unwrap();
        for (from, to) in replacements {
            assert!(text.contains(from), "the config has no '{from}'");
            text = text.replacen(from, to, 1);
        }
        let p = self.path().join("config.toml");
        std::fs::write(&p, text).unwrap();
        p
    }
    /// The replacement that records the steering group's decision on the
    /// shipped (undecided) regional fixed cost, for `config_with`.
    pub const DECIDED_FIXED_COST: (&'static str, &'static str) =
        ("amount = \"1200000\"\n", "amount = \"1200000\"\ndecided = \"Styrgruppen 2026-01-15 §4\"\n");

    /// Writes the real config with `extra` TOML appended (e.g. an `[ingest]` section).
    /// An `[ingest…]` section in `extra` replaces the shipped ones.
    pub fn config_appending(&self, extra: &str) -> PathBuf {
        let mut text = std::fs::read_to_string(config_path()).unwrap();
        if extra.contains("[ingest") {
            let start = text.find("\n[ingest]\n").expect("the shipped config has an [ingest] section");
            let end = text.find("# Report files fetched").expect("the comment after [ingest]");
            text.replace_range(start..end, "\n");
        }
        let text = text + "\n" + extra;
        let p = self.path().join("config.toml");
        std::fs::write(&p, text).unwrap();
        p
    }
    /// Writes a file into the inbox, with an mtime in the past so it counts as complete.
    pub fn inbox_file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.inbox().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }
    /// Writes a register into the inbox.
    pub fn register(&self, sheets: &RegisterSheets) -> PathBuf {
        let p = self.inbox().join("register.xlsx");
        sheets.write(&p).expect("register written");
        p
    }
    /// Runs the binary with `args` plus `--config/--inbox/--out` for `run` commands.
    pub fn run(&self, args: &[&str], config: &Path) -> Output {
        self.run_env(args, config, &[])
    }

    /// As [`Workdir::run`], with extra environment variables.
    pub fn run_env(&self, args: &[&str], config: &Path, env: &[(&str, &str)]) -> Output {
        bin_env(&self.run_args(args, config), self.path(), env)
    }

    /// `args` plus this folder's `--config/--inbox/--out`, for spawning the binary.
    pub fn run_args(&self, args: &[&str], config: &Path) -> Vec<String> {
        let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        all.extend([
            "--config".into(),
            config.display().to_string(),
            "--inbox".into(),
            self.inbox().display().to_string(),
            "--out".into(),
            self.out().display().to_string(),
        ]);
        all
    }
    /// The last run's findings with their names (`findings.csv`; the
    /// summary printed carries counts only), one line each: `code subject: detail`.
    pub fn findings(&self) -> String {
        self.csv("findings.csv").iter().skip(1).map(|r| format!("{} {}: {}\n", r[1], r[3], r[4])).collect()
    }

    /// Reads a CSV output as rows of strings (header included).
    pub fn csv(&self, name: &str) -> Vec<Vec<String>> {
        let path = self.out().join(name);
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_path(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        r.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect()
    }
}

/// Runs the real binary in `cwd`.
pub fn bin<S: AsRef<std::ffi::OsStr>>(args: &[S], cwd: &Path) -> Output {
    bin_env(args, cwd, &[])
}

/// Runs the real binary in `cwd` with extra environment variables.
pub fn bin_env<S: AsRef<std::ffi::OsStr>>(args: &[S], cwd: &Path, env: &[(&str, &str)]) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_yrkesresan"));
    cmd.args(args).current_dir(cwd);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("binary runs")
}

/// stdout + stderr as text, for assertion messages.
pub fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Builds a register row by row with the standard headings.
pub struct RegisterBuilder {
    pub sheets: RegisterSheets,
    next_person: u32,
}

impl RegisterBuilder {
    pub fn new() -> Self {
        RegisterBuilder { sheets: RegisterSheets::empty(4), next_person: 0 }
    }

    /// A round: `organiser` regional|nationell|kommunal, `price` for nationell.
    pub fn round(
        &mut self,
        id: &str,
        course: &str,
        delresa: &str,
        category: &str,
        organiser: &str,
        price: Option<&str>,
    ) -> &mut Self {
        self.sheets.push(
            "Kursomgångar",
            vec![
                id.into(),
                course.into(),
                delresa.into(),
                "ny".into(),
                category.into(),
                organiser.into(),
                price.map(Cell::from).unwrap_or(Cell::Empty),
            ],
        );
        self
    }

    pub fn day(&mut self, round: &str, n: u32, d: &str) -> &mut Self {
        self.sheets
            .push("Kursdagar", vec![round.into(), n.into(), Cell::Date(date(d)), "på plats".into(), "Falun".into()]);
        self
    }

    pub fn trainer(&mut self, round: &str, day: u32, name: &str, kommun: &str, role: &str) -> &mut Self {
        let email = format!("{}@utbildare.example", name.to_lowercase());
        self.sheets
            .push("Utbildare", vec![round.into(), day.into(), name.into(), email.into(), kommun.into(), role.into()]);
        self
    }

    /// A participant with a fresh unique name; `days` = attended day numbers.
    pub fn participant(&mut self, round: &str, kommun: &str, approved: Option<bool>, days: &[u32]) -> &mut Self {
        self.next_person += 1;
        let n = self.next_person;
        self.named_participant(round, &format!("Deltagare {n}"), kommun, approved, days)
    }

    pub fn named_participant(
        &mut self,
        round: &str,
        name: &str,
        kommun: &str,
        approved: Option<bool>,
        days: &[u32],
    ) -> &mut Self {
        let email =
            format!("{}@{}.example", name.to_lowercase().replace(' ', "."), kommun.to_lowercase().replace(' ', "-"));
        let mut row: Vec<Cell> = vec![round.into(), name.into(), email.into(), kommun.into(), Cell::approval(approved)];
        for d in 1..=4 {
            row.push(if days.contains(&d) { "X".into() } else { Cell::Empty });
        }
        self.sheets.push("Deltagare", row);
        self
    }

    /// A row of the optional sheet `Övriga rader` (created with its headings on first use).
    pub fn extra(
        &mut self,
        typ: &str,
        kommun: &str,
        d: &str,
        text: &str,
        (qty, price): (Cell, Cell),
        comment: &str,
    ) -> &mut Self {
        if self.sheets.rows_mut("Övriga rader").is_none() {
            let head = ["Typ", "Kommun", "Datum", "Beskrivning", "Antal", "À-pris", "Kommentar"];
            self.sheets.push("Övriga rader", head.iter().map(|&h| Cell::from(h)).collect());
        }
        let date = NaiveDate::parse_from_str(d, "%Y-%m-%d").map(Cell::Date).unwrap_or_else(|_| d.into());
        self.sheets
            .push("Övriga rader", vec![typ.into(), kommun.into(), date, text.into(), qty, price, comment.into()]);
        self
    }

    /// `count` participants from `kommun` attending `days`.
    pub fn participants(&mut self, round: &str, kommun: &str, count: u32, days: &[u32]) -> &mut Self {
        for _ in 0..count {
            self.participant(round, kommun, Some(true), days);
        }
        self
    }
}

/// The row of a CSV whose first column is `key`.
/// `ingest-report.csv` as (file, kind, rows, status), in the order
/// written, without the lines of the exports already in use (`current`).
pub fn ingest_lines(w: &Workdir) -> Vec<(String, String, String, String)> {
    w.csv("ingest-report.csv")[1..]
        .iter()
        .filter(|r| r[4] != "current")
        .map(|r| (r[0].clone(), r[1].clone(), r[2].clone(), r[4].clone()))
        .collect()
}

pub fn row<'a>(rows: &'a [Vec<String>], key: &str) -> &'a Vec<String> {
    rows.iter().find(|r| r[0] == key).unwrap_or_else(|| panic!("no row {key} in {rows:?}"))
}

/// A workbook sheet read back as text cells (numbers as written by calamine).
pub fn sheet(path: &Path, name: &str) -> Vec<Vec<String>> {
    use calamine::{open_workbook, Reader, Xlsx};
    let mut wb: Xlsx<_> = open_workbook(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let range = wb.worksheet_range(name).unwrap_or_else(|e| panic!("{}: sheet {name}: {e}", path.display()));
    range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
}

/// The first row of `rows` whose column `col` reads `key`.
pub fn row_where<'a>(rows: &'a [Vec<String>], col: usize, key: &str) -> &'a Vec<String> {
    rows.iter().find(|r| r.get(col).is_some_and(|c| c == key)).unwrap_or_else(|| panic!("no row {key} in {rows:?}"))
}

/// A minimal OpenDocument spreadsheet, as LibreOffice or Totara's ODS export writes it.
pub fn write_ods(path: &Path, rows: &[Vec<&str>]) {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("mimetype", stored).unwrap();
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet").unwrap();
    zip.start_file("META-INF/manifest.xml", stored).unwrap();
    zip.write_all(
        br#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"#,
    )
    .unwrap();
    let mut body = String::new();
    for r in rows {
        body += "<table:table-row>";
        for c in r {
            body += &format!("<table:table-cell office:value-type=\"string\"><text:p>{c}</text:p></table:table-cell>");
        }
        body += "</table:table-row>";
    }
    zip.start_file("content.xml", stored).unwrap();
    write!(zip, r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
<office:body><office:spreadsheet><table:table table:name="Report">{body}</table:table></office:spreadsheet></office:body>
</office:document-content>"#).unwrap();
    zip.finish().unwrap();
}

/// A raw HTTP/1.1 server on loopback for answers `tiny_http` will not give (a
/// lying `Content-Length`, a body that never ends): each connection gets its
/// own thread, its request head is read, then `reply` writes the answer.
/// Returns the base URL and how many connections came.
pub fn raw_server(
    reply: impl Fn(&mut std::net::TcpStream) + Send + Sync + 'static,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::Read;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let (seen, reply) = (count.clone(), Arc::new(reply));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            seen.fetch_add(1, Ordering::SeqCst);
            let reply = reply.clone();
            std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                reply(&mut s);
            });
        }
    });
    (url, count)
}

/// A chunked 200 answer that sends one byte every 50 ms until the client goes
/// away or two minutes passed: only an overall deadline stops it.
pub fn trickle(s: &mut std::net::TcpStream) {
    use std::io::Write;
    let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nTransfer-Encoding: chunked\r\n\r\n");
    let end = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while std::time::Instant::now() < end {
        if s.write_all(b"1\r\nx\r\n").and_then(|()| s.flush()).is_err() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = s.write_all(b"0\r\n\r\n");
}

/// Every file of a folder, hidden ones included (a left `.part` file shows);
/// sub-folders (`processed/`, `rejected/`) are not listed.
pub fn entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| !e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

/// One demo year (`yrkesresan demo` with the shipped config), run once and
/// shared, read-only, by every test that reads a whole year's outputs.
pub fn demo_year() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let out = bin(
            &[
                "demo",
                "--out",
                &dir.path().join("d").display().to_string(),
                "--config",
                &config_path().display().to_string(),
            ],
            dir.path(),
        );
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        dir
    })
    .path()
    .join("d")
    .leak()
}
