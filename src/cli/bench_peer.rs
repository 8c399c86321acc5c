//! `yrkesresan bench --peer`: the pipeline side by side with the script a
//! region's analyst would write (`benches/peer/peer.py`, pandas + openpyxl),
//! on one generated input: each side a fresh process, timed wall-clock with
//! its peak resident memory (`wait4`), the figures checked to agree
//! (accounts per municipality and delresa, course progress per
//! municipality, the month's invoice total per municipality), and the ratio
//! printed with the targets.

use anyhow::Context;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Wall time and peak memory of one process.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Measured {
    pub seconds: f64,
    pub peak_mb: f64,
}

/// Runs a command to its end, measuring wall time and the peak resident
/// memory of the process (and the children it waited for).
pub(crate) fn measure(cmd: &mut Command, what: &str) -> anyhow::Result<Measured> {
    let start = Instant::now();
    let child = cmd.spawn().with_context(|| format!("cannot start {what}"))?;
    let pid = libc::pid_t::try_from(child.id()).context("a process id")?;
    let mut status: libc::c_int = 0;
    // SAFETY: plain FFI with valid pointers to locals; `rusage` is plain data.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let seconds = start.elapsed().as_secs_f64();
    anyhow::ensure!(waited == pid, "waiting for {what} failed: {}", std::io::Error::last_os_error());
    let ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) <= 1;
    anyhow::ensure!(ok, "{what} failed (wait status {status}); see its output above");
    // Linux reports ru_maxrss in KiB.
    Ok(Measured { seconds, peak_mb: usage.ru_maxrss as f64 / 1024.0 })
}

/// The figures both sides must agree on.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Figures {
    /// (kommunkod, delresa) → konton, medarbetare, chefer, utbildare, k_admin.
    pub accounts: BTreeMap<(String, String), Vec<String>>,
    /// (kommunkod, kurs) → ej påbörjad, pågående, genomförd.
    pub progress: BTreeMap<(String, String), Vec<String>>,
    /// kommunkod → the month's total in öre.
    pub invoice: BTreeMap<String, i64>,
}

/// Reads the three CSV files of an output folder.
pub(crate) fn figures(out: &Path, month: &str) -> anyhow::Result<Figures> {
    let rows = |name: &str| -> anyhow::Result<Vec<BTreeMap<String, String>>> {
        let path = out.join(name);
        let mut r = csv::Reader::from_path(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let head = r.headers()?.clone();
        r.records()
            .map(|rec| {
                let rec = rec.with_context(|| format!("{}", path.display()))?;
                Ok(head.iter().zip(rec.iter()).map(|(h, v)| (h.to_string(), v.trim().to_string())).collect())
            })
            .collect()
    };
    let get = |row: &BTreeMap<String, String>, col: &str| row.get(col).cloned().unwrap_or_default();
    let mut f = Figures::default();
    for row in rows("accounts-by-municipality.csv")? {
        let counts = ["konton", "medarbetare", "chefer", "utbildare", "k_admin"].map(|c| get(&row, c));
        f.accounts.insert((get(&row, "kommunkod"), get(&row, "delresa")), counts.to_vec());
    }
    for row in rows("progress-by-municipality.csv")? {
        let counts = ["ej_paborjad", "pagaende", "genomfort"].map(|c| get(&row, c));
        f.progress.insert((get(&row, "kommunkod"), get(&row, "kurs")), counts.to_vec());
    }
    for row in rows(&format!("invoice-basis-{month}.csv"))? {
        let amount = get(&row, "amount");
        let ore = ore(&amount).with_context(|| format!("invoice-basis-{month}.csv: amount '{amount}'"))?;
        *f.invoice.entry(get(&row, "kommunkod")).or_default() += ore;
    }
    Ok(f)
}

/// "1234.50" → 123450 öre, exactly.
fn ore(amount: &str) -> Option<i64> {
    let d: rust_decimal::Decimal = amount.parse().ok()?;
    let ore = (d * rust_decimal::Decimal::ONE_HUNDRED).round_dp(0);
    i64::try_from(ore.mantissa() / 10i128.pow(ore.scale())).ok()
}

/// Where the two sides differ (at most a few per kind), empty when they agree.
pub(crate) fn differences(ours: &Figures, peer: &Figures) -> Vec<String> {
    fn diff<K: Ord + std::fmt::Debug, V: PartialEq + std::fmt::Debug>(
        what: &str,
        a: &BTreeMap<K, V>,
        b: &BTreeMap<K, V>,
        out: &mut Vec<String>,
    ) {
        let mut n = 0;
        for k in a.keys().chain(b.keys().filter(|k| !a.contains_key(*k))) {
            if a.get(k) != b.get(k) {
                n += 1;
                if n <= 5 {
                    out.push(format!("{what} {k:?}: pipeline {:?}, peer {:?}", a.get(k), b.get(k)));
                }
            }
        }
        if n > 5 {
            out.push(format!("{what}: {} more difference(s)", n - 5));
        }
    }
    let mut out = Vec::new();
    diff("accounts", &ours.accounts, &peer.accounts, &mut out);
    diff("progress", &ours.progress, &peer.progress, &mut out);
    diff("invoice total", &ours.invoice, &peer.invoice, &mut out);
    out
}

/// The config both sides read: the generated one, files taken at once.
pub(crate) fn settled_config(config: &Path, run: &Path) -> anyhow::Result<PathBuf> {
    let text = std::fs::read_to_string(config).with_context(|| format!("cannot read {}", config.display()))?;
    let path = run.join("config.toml");
    std::fs::write(&path, text.replace("settle_seconds = 60", "settle_seconds = 0"))?;
    Ok(path)
}

/// One side's result.
pub(crate) struct Side {
    pub sync: Measured,
    pub invoice: Measured,
}

impl Side {
    pub(crate) fn seconds(&self) -> f64 {
        self.sync.seconds + self.invoice.seconds
    }
    pub(crate) fn peak_mb(&self) -> f64 {
        self.sync.peak_mb.max(self.invoice.peak_mb)
    }
}

/// Runs the pipeline (nightly sync, then the month's invoice basis with its
/// workbooks and messages written as files) as two fresh processes.
pub(crate) fn run_pipeline(config: &Path, inbox: &Path, out: &Path, month: &str) -> anyhow::Result<Side> {
    let exe = std::env::current_exe().context("the running binary")?;
    let common = |cmd: &mut Command| {
        cmd.arg("--config").arg(config).arg("--inbox").arg(inbox).arg("--out").arg(out);
        cmd.stdout(std::process::Stdio::null());
    };
    let mut sync = Command::new(&exe);
    sync.args(["run", "nightly-sync"]);
    common(&mut sync);
    let sync = measure(&mut sync, "yrkesresan run nightly-sync")?;
    let mut invoice = Command::new(&exe);
    invoice.args(["run", "monthly-invoice", "--month", month, "--dry-run"]);
    common(&mut invoice);
    let invoice = measure(&mut invoice, "yrkesresan run monthly-invoice")?;
    Ok(Side { sync, invoice })
}

/// Runs the peer script on a copy of the input.
pub(crate) fn run_peer(
    script: &Path,
    config: &Path,
    inbox: &Path,
    out: &Path,
    month: &str,
) -> anyhow::Result<Measured> {
    anyhow::ensure!(
        script.is_file(),
        "the peer script {} is not there: run bench --peer from the repository, or give --peer-script",
        script.display()
    );
    let mut cmd = Command::new("python3");
    cmd.arg(script)
        .arg("--config")
        .arg(config)
        .arg("--inbox")
        .arg(inbox)
        .arg("--out")
        .arg(out)
        .arg("--month")
        .arg(month)
        .stdout(std::process::Stdio::null());
    measure(&mut cmd, "the peer (python3 benches/peer/peer.py; needs pip install pandas openpyxl)")
}

/// The targets, each with whether it is met.
pub(crate) fn targets(ours: &Side, peer: &Measured) -> Vec<(String, bool)> {
    let ratio = peer.seconds / ours.seconds().max(1e-9);
    vec![
        (format!("sync + invoice ≥ 10× faster than the peer: {ratio:.1}×"), ratio >= 10.0),
        (format!("nightly sync < 1.5 s: {:.2} s", ours.sync.seconds), ours.sync.seconds < 1.5),
        (format!("monthly invoice < 0.4 s: {:.2} s", ours.invoice.seconds), ours.invoice.seconds < 0.4),
        (format!("peak memory < 500 MB: {:.0} MB", ours.peak_mb()), ours.peak_mb() < 500.0),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    fn side(dir: &Path, amount: &str, genomfort: &str) {
        write(
            dir,
            "accounts-by-municipality.csv",
            "kommunkod,kommun,delresa,konton,medarbetare,chefer,utbildare,k_admin\n2080,Falun,bou,3,2,1,0,0\n",
        );
        write(
            dir,
            "progress-by-municipality.csv",
            &format!("kommunkod,kommun,kurs,ej_paborjad,pagaende,genomfort\n2080,Falun,Kurs A,1,0,{genomfort}\n"),
        );
        write(
            dir,
            "invoice-basis-2026-11.csv",
            &format!("kommunkod,kommun,article,description,quantity,unit_price,amount\n2080,Falun,A,x,1,650.00,650.00\n2080,Falun,B,y,1,{amount},{amount}\n"),
        );
    }

    #[test]
    fn the_same_figures_agree_and_a_changed_one_is_named() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        side(a.path(), "0.10", "2");
        // The peer writes amounts its own way: "0.1" is 10 öre all the same.
        side(b.path(), "0.1", "2");
        let ours = figures(a.path(), "2026-11").unwrap();
        assert_eq!(ours.invoice["2080"], 65_010);
        assert!(differences(&ours, &figures(b.path(), "2026-11").unwrap()).is_empty());

        side(b.path(), "0.11", "3");
        let d = differences(&ours, &figures(b.path(), "2026-11").unwrap());
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(d[0].starts_with("progress (\"2080\", \"Kurs A\")"), "{d:?}");
        assert!(d[1].contains("65010") && d[1].contains("65011"), "{d:?}");
    }

    #[test]
    fn a_process_is_measured_and_a_failing_one_is_an_error() {
        let m = measure(Command::new("sh").args(["-c", "sleep 0.2"]), "sh").unwrap();
        assert!(m.seconds >= 0.2 && m.peak_mb > 0.0, "{m:?}");
        assert!(measure(Command::new("sh").args(["-c", "exit 3"]), "sh").is_err());
    }
}
