//! The project lead's follow-up: the regional workbook, sent when the
//! findings changed since the last one sent (one outbox entry per set of
//! findings: a second change the same day is a new message).

use super::JOB;
use crate::deliver::{compose, xlsx, Draft, OutgoingMessage};
use crate::domain::hash::HashMap;
use crate::domain::{swedish_date, Audience, Code, Finding, KommunKod};
use crate::jobs::regional::finding_counts_swedish;
use crate::jobs::staging::Staging;
use crate::jobs::{JobError, JobSettings};
use crate::store::RunTx;
use std::collections::BTreeMap;

/// Where the hash of the findings last sent to the project lead is kept.
const LEAD_KEY: &str = "nightly-sync.project-lead.findings";

/// Whether this run's follow-up may go to the project lead (one is
/// configured and the run's delivery includes them).
pub(super) fn wanted(settings: &JobSettings) -> bool {
    settings.config.email.project_lead.is_some() && settings.delivery.includes("project_lead")
}

/// The fingerprint of a run's first findings, taken before the rest of the
/// run (on the thread that writes the CSV files while the workbook is
/// built: 95 000 findings take 0.03 s). Later findings are only added
/// after these, so it is the fingerprint of all when it counts as many.
pub(super) struct Fingerprint {
    findings: usize,
    hash: String,
}

impl Fingerprint {
    /// The fingerprint of `findings` (see [`findings_hash`]).
    pub(super) fn of(findings: &[Finding]) -> Fingerprint {
        Fingerprint { findings: findings.len(), hash: findings_hash(findings) }
    }
}

/// Stages the follow-up when the findings changed (and puts it in the outbox
/// when sending); returns its stem. `first`: the fingerprint of the
/// findings' beginning, if taken ([`Fingerprint`]).
pub(super) fn stage(
    settings: &JobSettings,
    tx: &RunTx,
    staging: &mut Staging,
    findings: &[Finding],
    first: Option<Fingerprint>,
    workbook: Vec<u8>,
    today: chrono::NaiveDate,
) -> Result<Option<String>, JobError> {
    if !wanted(settings) {
        return Ok(None);
    }
    let hash = fingerprint(findings, first);
    if tx.setting(LEAD_KEY)?.as_deref() == Some(hash.as_str()) {
        return Ok(None);
    }
    let date = today.to_string();
    let msg = message(settings, &date, findings, workbook)?;
    staging.write(&format!("outbox/{}.eml", msg.stem), &msg.bytes)?;
    let period = format!("{date}.{}", &hash[..12]);
    if crate::jobs::outbox::sending(settings) {
        crate::jobs::outbox::enqueue_all(tx, JOB, &period, std::slice::from_ref(&msg))?;
        tx.set_setting(LEAD_KEY, &hash)?;
    }
    Ok(Some(msg.stem))
}

/// The fingerprint of all `findings`: `first`'s when it counts them all,
/// else taken now.
fn fingerprint(findings: &[Finding], first: Option<Fingerprint>) -> String {
    match first {
        Some(f) if f.findings == findings.len() => f.hash,
        _ => findings_hash(findings),
    }
}

/// A fingerprint of the findings, to tell whether they changed: the
/// SHA-256 of their lines `code|kommun|subject`, sorted, joined by line
/// feeds. No line is written out: a line's beginning `code|kommun|` ends at
/// its second `|` (neither part has one), so two lines compare as their
/// beginnings, then as their subjects; the few distinct beginnings are
/// ranked once and the findings sorted by (rank, subject). (At ten times
/// national scale the lines written into one buffer were 0.15 GB beside
/// the regional workbook.)
fn findings_hash(findings: &[Finding]) -> String {
    use sha2::{Digest, Sha256};
    type Head = (Code, Option<KommunKod>);
    let mut heads: BTreeMap<Head, String> = BTreeMap::new();
    for f in findings {
        heads
            .entry((f.code, f.kommun))
            .or_insert_with(|| format!("{}|{}|", f.code, f.kommun.map(|k| k.to_string()).unwrap_or_default()));
    }
    let mut texts: Vec<(&Head, &str)> = heads.iter().map(|(h, t)| (h, t.as_str())).collect();
    texts.sort_unstable_by(|a, b| a.1.cmp(b.1));
    let rank: HashMap<Head, u32> = texts.iter().enumerate().map(|(r, (h, _))| (**h, r as u32)).collect();
    // Each finding as (its beginning's rank, its place): 8 bytes.
    let mut order: Vec<(u32, u32)> = findings.iter().zip(0..).map(|(f, i)| (rank[&(f.code, f.kommun)], i)).collect();
    let subject = |i: u32| findings[i as usize].subject.as_str();
    order.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| subject(a.1).cmp(subject(b.1))));
    let mut hash = Sha256::new();
    for (n, (r, i)) in order.into_iter().enumerate() {
        if n > 0 {
            hash.update(b"\n");
        }
        hash.update(texts[r as usize].1.as_bytes());
        hash.update(subject(i).as_bytes());
    }
    hex::encode(hash.finalize())
}

/// The regional follow-up for the project lead, with the findings counted in the body.
fn message(
    settings: &JobSettings,
    date: &str,
    findings: &[Finding],
    workbook: Vec<u8>,
) -> Result<OutgoingMessage, JobError> {
    let day = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").map(swedish_date).unwrap_or_else(|_| date.into());
    let mut body = format!(
        "Hej!\n\nAvvikelserna har ändrats sedan förra utskicket. Nattens körning ({day}) gav {} avvikelse(r):\n\n",
        findings.len()
    );
    for line in finding_counts_swedish(&settings.config, findings) {
        body += &format!("  {line}\n");
    }
    // What stops the pipeline's own work is listed one by one.
    let operational: Vec<&Finding> = findings
        .iter()
        .filter(|f| matches!(f.code, Code::MessageNotSent | Code::DownloadFailed | Code::FileRejected))
        .collect();
    if !operational.is_empty() {
        body += "\nAtt åtgärda i driften:\n";
        for f in operational {
            body += &format!("  - {}: {}\n", f.subject, f.detail);
        }
    }
    body += "\nDen regionala uppföljningen finns i bilagan.\n";
    let draft = Draft {
        stem: format!("yrkesresan-uppfoljning-{date}"),
        audience: Audience::ProjectLead,
        subject: format!("Yrkesresan: regional uppföljning {day}"),
        body,
        attachments: vec![xlsx(workbook)],
    };
    Ok(compose(&settings.config, "projektledaren", draft)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::KommunKod;

    /// The fingerprint as first written (one string per line, joined): a
    /// stored fingerprint must still match, or the project lead gets the
    /// same findings again.
    fn as_first_written(findings: &[Finding]) -> String {
        let mut lines: Vec<String> = findings
            .iter()
            .map(|f| format!("{}|{}|{}", f.code, f.kommun.map(|k| k.to_string()).unwrap_or_default(), f.subject))
            .collect();
        lines.sort();
        crate::domain::hash::sha256_hex(lines.join("\n"))
    }

    /// The fingerprint taken ahead stands for the findings only when no
    /// finding was added after it.
    #[test]
    fn a_fingerprint_taken_ahead_is_used_only_for_as_many_findings() {
        let mut findings = vec![
            Finding::new(Code::UnderstaffedDay, None, "Kurs A omgång 1 dag 2", "x"),
            Finding::new(Code::FileRejected, None, "b", "y"),
        ];
        let first = Fingerprint::of(&findings);
        assert_eq!(first.hash, findings_hash(&findings));
        // Known by its hash: a stand-in shows which one was used.
        let stand_in = |f: &Fingerprint| Fingerprint { findings: f.findings, hash: "taken ahead".into() };
        assert_eq!(fingerprint(&findings, Some(stand_in(&first))), "taken ahead");
        findings.push(Finding::new(Code::MessageNotSent, None, "Åsa <asa@example.se>", "y"));
        assert_eq!(fingerprint(&findings, Some(stand_in(&first))), findings_hash(&findings));
        assert_ne!(findings_hash(&findings), first.hash);
        assert_eq!(fingerprint(&findings, None), findings_hash(&findings));
    }

    #[test]
    fn the_fingerprint_is_the_one_first_written_in_any_order() {
        let k = |c: &str| Some(KommunKod::parse(c).unwrap());
        let mut findings = vec![
            Finding::new(Code::UnderstaffedDay, None, "Kurs A omgång 1 dag 2", "x"),
            Finding::new(Code::FileRejected, k("2080"), "b", "y"),
            Finding::new(Code::FileRejected, k("2080"), "a", "y"),
            Finding::new(Code::FileRejected, k("2080"), "a", "z"),
            Finding::new(Code::MessageNotSent, k("2021"), "Åsa <asa@example.se>", "y"),
            Finding::new(Code::MessageNotSent, None, "", "y"),
        ];
        let want = as_first_written(&findings);
        assert_eq!(findings_hash(&findings), want);
        findings.reverse();
        assert_eq!(findings_hash(&findings), want);
        findings.pop();
        assert_ne!(findings_hash(&findings), want);
        assert_eq!(findings_hash(&[]), as_first_written(&[]));
    }

    /// Many findings of few codes, municipalities (and none) and subjects,
    /// shuffled: the fingerprint is still the sorted lines' one.
    #[test]
    fn the_fingerprint_sorts_as_the_written_lines_do() {
        use rand::{seq::SliceRandom, Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(70);
        let codes = [Code::FileRejected, Code::MessageNotSent, Code::AttendanceNotInPlatform, Code::UnderstaffedDay];
        let kommuner = [None, Some(KommunKod::parse("2080").unwrap()), Some(KommunKod::parse("0114").unwrap())];
        let subjects = ["", "a", "a|b", "Åsa", "ab", "b", "|", "a b"];
        for _ in 0..50 {
            let mut findings: Vec<Finding> = (0..rng.gen_range(0..40))
                .map(|_| {
                    let code = codes[rng.gen_range(0..codes.len())];
                    let kommun = kommuner[rng.gen_range(0..kommuner.len())];
                    Finding::new(code, kommun, subjects[rng.gen_range(0..subjects.len())], "x")
                })
                .collect();
            let want = as_first_written(&findings);
            assert_eq!(findings_hash(&findings), want);
            findings.shuffle(&mut rng);
            assert_eq!(findings_hash(&findings), want);
        }
    }
}
