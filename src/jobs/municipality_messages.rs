//! A municipality's messages of a month: each contact person gets the
//! people of the delresor they are contact for (contacts with the same
//! delresor share one message), the copy address (`smtp.cc`) a summary
//! without names (or the whole workbook, `cc_content = "full"`). A delresa
//! with people but no contact person is a finding, never sent to another
//! delresa's contact.

use super::JobError;
use crate::config::{Config, Municipality};
use crate::deliver::{build_message, contact_groups, Letter, OutgoingMessage};
use crate::domain::{Audience, Code, DelresaCode, Finding};
use crate::report::{invoice_line_text, municipality_workbook, MunicipalityReport};

/// The workbooks and messages of one municipality, and what could not be sent.
pub(crate) struct Messages {
    /// Each message with its workbook.
    pub built: Vec<(Vec<u8>, OutgoingMessage)>,
    /// Delresor with people but no contact person.
    pub findings: Vec<Finding>,
}

/// Builds one municipality's messages for the month of `report` (its whole month).
pub(crate) fn municipality_messages(
    config: &Config,
    m: &Municipality,
    report: &MunicipalityReport,
) -> Result<Messages, JobError> {
    let month = report.month;
    let activity = report.activity();
    let groups = contact_groups(m, &activity);
    let lines: Vec<String> = report.lines.iter().map(|l| invoice_line_text(l)).collect();
    let whole = groups.len() == 1 && groups[0].0 == activity;
    let mut built = Vec::new();
    for (delresor, _) in &groups {
        let (part, stem) = if whole {
            (report.clone(), format!("yrkesresan-{}-{month}", m.slug()))
        } else {
            let codes: Vec<&str> = delresor.iter().map(DelresaCode::as_str).collect();
            (report.only(delresor), format!("yrkesresan-{}-{}-{month}", m.slug(), codes.join("-")))
        };
        let audience = Audience::Contacts { kommun: m.code, delresor: delresor.clone(), activity: activity.clone() };
        built.push(letter(config, m, &part, audience, stem, &lines)?);
    }
    let cc = config.smtp.as_ref().filter(|s| !s.cc.is_empty());
    if let Some(smtp) = cc {
        let (part, stem) = if smtp.cc_full {
            (report.clone(), format!("yrkesresan-{}-{month}-kopia", m.slug()))
        } else {
            (report.summary(), format!("yrkesresan-{}-{month}-sammanfattning", m.slug()))
        };
        built.push(letter(config, m, &part, Audience::Copy { kommun: m.code }, stem, &lines)?);
    }
    let covered: Vec<&DelresaCode> = groups.iter().flat_map(|(d, _)| d).collect();
    let findings = activity
        .iter()
        .filter(|d| !covered.contains(d))
        .map(|d| {
            Finding::new(
                Code::NoContactForDelresa,
                Some(m.code),
                format!("{}, {}", m.name, config.delresa_name(d)),
                format!(
                    "{} har deltagare eller utbildare i {} i {} men ingen kontaktperson för delresan; deras \
                     uppgifter skickas inte till någon. Lägg till en kontaktperson för delresan i konfigurationen.",
                    m.name,
                    config.delresa_name(d),
                    month.swedish()
                ),
            )
            .in_delresa(d)
        })
        .collect();
    Ok(Messages { built, findings })
}

/// One message: the workbook of `part` and its letter.
fn letter(
    config: &Config,
    m: &Municipality,
    part: &MunicipalityReport,
    audience: Audience,
    stem: String,
    lines: &[String],
) -> Result<(Vec<u8>, OutgoingMessage), JobError> {
    let workbook = municipality_workbook(config, part)?;
    let preliminary = part.lines.iter().any(|l| l.undecided.is_some());
    let letter = Letter { audience, stem, total: part.total(), preliminary, lines, workbook: workbook.clone() };
    Ok((workbook, build_message(config, m, part.month, letter)?))
}
