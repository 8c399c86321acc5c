//! Findings as a kept summary holds them: each distinct detail text once,
//! and each finding its text's number.
//!
//! A finding's detail is mostly its code's one fixed text (about 200 bytes
//! of Swedish): at national scale 95 000 findings repeated it 95 000 times,
//! more than half of the summary's 34 MB, which the sync serialised and
//! compressed, and the invoice decompressed and parsed, on their only busy
//! thread. A detail that names no known text is an error, as any damaged
//! kept form: the caller treats it as a miss.

use super::{DelresaCode, Finding, KommunKod, Severity};
use crate::domain::finding::Code;
use crate::domain::hash::HashMap;
use chrono::NaiveDate;
use serde::de::{DeserializeSeed, Error as _, SeqAccess, Visitor};
use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Cow;

/// A finding as kept, its detail a number in the list of texts.
#[derive(Serialize)]
struct KeptRef<'a> {
    severity: Severity,
    code: Code,
    kommun: Option<KommunKod>,
    subject: &'a str,
    detail: u32,
    #[serde(serialize_with = "super::stored::day_number::serialize")]
    date: Option<NaiveDate>,
    delresa: Option<&'a DelresaCode>,
}

/// A finding as read back, before its detail is looked up.
#[derive(Deserialize)]
struct Kept {
    severity: Severity,
    code: Code,
    kommun: Option<KommunKod>,
    subject: String,
    detail: u32,
    #[serde(deserialize_with = "super::stored::day_number::deserialize")]
    date: Option<NaiveDate>,
    delresa: Option<DelresaCode>,
}

/// The findings with their numbers, serialised one by one.
struct Numbered<'a> {
    findings: &'a [Finding],
    numbers: &'a [u32],
}

impl Serialize for Numbered<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.findings.len()))?;
        for (f, &detail) in self.findings.iter().zip(self.numbers) {
            seq.serialize_element(&KeptRef {
                severity: f.severity,
                code: f.code,
                kommun: f.kommun,
                subject: &f.subject,
                detail,
                date: f.date,
                delresa: f.delresa.as_ref(),
            })?;
        }
        seq.end()
    }
}

/// Serialises `findings` as the list of their distinct detail texts, in
/// order of first use, then the findings with their texts' numbers.
pub(crate) fn serialize<S: Serializer>(findings: &[Finding], s: S) -> Result<S::Ok, S::Error> {
    let mut texts: Vec<&str> = Vec::new();
    let mut known: HashMap<&str, u32> = HashMap::default();
    let numbers: Vec<u32> = findings
        .iter()
        .map(|f| {
            *known.entry(f.detail.as_ref()).or_insert_with(|| {
                texts.push(f.detail.as_ref());
                (texts.len() - 1) as u32
            })
        })
        .collect();
    (texts, Numbered { findings, numbers: &numbers }).serialize(s)
}

/// Reads back what [`serialize`] wrote: each finding made as it is read,
/// its detail looked up (no list of findings as kept beside the findings).
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Finding>, D::Error> {
    d.deserialize_tuple(2, TextsThenFindings)
}

/// The texts, then the findings that name them.
struct TextsThenFindings;

impl<'de> Visitor<'de> for TextsThenFindings {
    type Value = Vec<Finding>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of detail texts and a list of findings")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Finding>, A::Error> {
        let texts: Vec<String> = seq.next_element()?.ok_or_else(|| A::Error::invalid_length(0, &self))?;
        seq.next_element_seed(FindingsNaming(&texts))?.ok_or_else(|| A::Error::invalid_length(1, &self))
    }
}

/// The findings, each with its detail taken from the texts.
struct FindingsNaming<'t>(&'t [String]);

impl<'de> DeserializeSeed<'de> for FindingsNaming<'_> {
    type Value = Vec<Finding>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<Finding>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for FindingsNaming<'_> {
    type Value = Vec<Finding>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of findings")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Finding>, A::Error> {
        // The declared length is the file's word: at most 1 MiB reserved on it
        // (as serde does), the rest grows with what is read.
        let most = (1 << 20) / std::mem::size_of::<Finding>();
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(most));
        while let Some(k) = seq.next_element::<Kept>()? {
            let detail =
                self.0.get(k.detail as usize).ok_or_else(|| A::Error::custom("a finding's detail names no text"))?;
            out.push(Finding {
                severity: k.severity,
                code: k.code,
                kommun: k.kommun,
                subject: k.subject,
                detail: Cow::Owned(detail.clone()),
                date: k.date,
                delresa: k.delresa,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Findings(#[serde(with = "super")] Vec<Finding>);

    fn findings() -> Vec<Finding> {
        let k = KommunKod::parse("2080").unwrap();
        let d = DelresaCode::parse("funk-u").unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 3, 4).unwrap();
        vec![
            Finding::new(Code::AttendanceNotInPlatform, Some(k), "Anna <anna@falun.se>", "Närvaro saknas.").on(day),
            Finding::new(Code::ParticipantWithoutAccount, None, "Bo", "Saknar konto.").in_delresa(&d),
            Finding::new(Code::AttendanceNotInPlatform, Some(k), "Cecilia", "Närvaro saknas."),
            Finding::new(Code::FileRejected, None, "users.csv", format!("rad {}: okänd kommun", 7)),
        ]
    }

    #[test]
    fn findings_come_back_as_they_were_through_postcard_and_json() {
        let kept = Findings(findings());
        let bytes = postcard::to_allocvec(&kept).unwrap();
        assert_eq!(postcard::from_bytes::<Findings>(&bytes).unwrap(), kept);
        let text = serde_json::to_string(&kept).unwrap();
        assert_eq!(serde_json::from_str::<Findings>(&text).unwrap(), kept, "{text}");
        assert_eq!(postcard::from_bytes::<Findings>(&postcard::to_allocvec(&Findings(vec![])).unwrap()).unwrap().0, []);
    }

    #[test]
    fn each_detail_text_is_kept_once() {
        let text = serde_json::to_string(&Findings(findings())).unwrap();
        assert_eq!(text.matches("Närvaro saknas.").count(), 1, "{text}");
        // Three texts for four findings, numbered in order of first use.
        assert!(text.starts_with(r#"[["Närvaro saknas.","Saknar konto.","rad 7: okänd kommun"],"#), "{text}");
    }

    #[test]
    fn a_detail_number_beyond_the_texts_is_an_error() {
        let text = serde_json::to_string(&Findings(findings())).unwrap();
        let broken = text.replace(r#""detail":2"#, r#""detail":3"#);
        assert_ne!(broken, text);
        let e = serde_json::from_str::<Findings>(&broken).unwrap_err();
        assert!(e.to_string().contains("names no text"), "{e}");
    }
}
