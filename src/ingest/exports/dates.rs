//! Dates as Totara writes them in CSV: in the report owner's language
//! (`5 Mar 2024`, `5 March 2024, 9:00 AM`, `5 mars 2024, 09:00`) or ISO
//! (`2024-03-05`, `2024-03-05 09:00`). Empty means "no date".

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// Parses a date with an optional time; `Ok(None)` for an empty cell.
pub fn parse_datetime(s: &str) -> Result<Option<NaiveDateTime>, String> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    // The form Totara writes most (`5 Mar 2026`), read straight from its bytes.
    if let Some(date) = day_month_year(t.as_bytes()) {
        return Ok(Some(date.and_time(NaiveTime::MIN)));
    }
    general(t).map(Some)
}

/// Every form, read word by word: ISO, then day, month name and year with
/// an optional clock time. `t` is trimmed and not empty.
fn general(t: &str) -> Result<NaiveDateTime, String> {
    let err =
        || format!("'{t}' is not a date (e.g. 2026-03-05, 5 Mar 2026, 5 March 2026, 9:00 AM or 5 mars 2026, 09:00)");
    if let Some(dt) = iso(t) {
        return Ok(dt);
    }
    let (date_part, time_part) = match t.split_once(',') {
        Some((d, rest)) => (d.trim(), Some(rest.trim())),
        None => (t, None),
    };
    let mut words = date_part.split_whitespace();
    let (Some(day), Some(month), Some(year), None) = (words.next(), words.next(), words.next(), words.next()) else {
        return Err(err());
    };
    let day: u32 = day.trim_end_matches('.').parse().map_err(|_| err())?;
    let month = month_number(month).ok_or_else(err)?;
    let year: i32 = year.parse().map_err(|_| err())?;
    let date = NaiveDate::from_ymd_opt(year, month, day).ok_or_else(err)?;
    let time = match time_part {
        None | Some("") => NaiveTime::MIN,
        Some(tp) => clock(tp).ok_or_else(err)?,
    };
    Ok(date.and_time(time))
}

/// Parses a date, dropping any time of day.
pub fn parse_date(s: &str) -> Result<Option<NaiveDate>, String> {
    parse_datetime(s).map(|o| o.map(|dt| dt.date()))
}

/// `5 Mar 2026` or `25 aug 2026`: a day of one or two digits, a month of
/// three ASCII letters and a four-digit year, single spaces; the date the
/// general path gives, or `None` to let it decide (and word any error).
/// Millions of completion rows carry two such dates each.
fn day_month_year(b: &[u8]) -> Option<NaiveDate> {
    let digit = |c: u8| c.is_ascii_digit().then(|| u32::from(c - b'0'));
    let (day, rest) = match b {
        [d, b' ', rest @ ..] => (digit(*d)?, rest),
        [d1, d2, b' ', rest @ ..] => (digit(*d1)? * 10 + digit(*d2)?, rest),
        _ => return None,
    };
    let [m1, m2, m3, b' ', y1, y2, y3, y4] = *rest else { return None };
    if ![m1, m2, m3].iter().all(u8::is_ascii_alphabetic) {
        return None;
    }
    let month = month_of_three([m1, m2, m3])?;
    let year = [y1, y2, y3, y4].iter().try_fold(0u32, |acc, &c| Some(acc * 10 + digit(c)?))?;
    NaiveDate::from_ymd_opt(year as i32, month, day)
}

fn iso(t: &str) -> Option<NaiveDateTime> {
    let b = t.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0')))
    };
    let date = NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)?;
    let rest = t[10..].trim_start_matches(['T', ' ']);
    if rest.is_empty() {
        return Some(date.and_time(NaiveTime::MIN));
    }
    let time =
        NaiveTime::parse_from_str(rest, "%H:%M:%S").or_else(|_| NaiveTime::parse_from_str(rest, "%H:%M")).ok()?;
    Some(date.and_time(time))
}

fn clock(s: &str) -> Option<NaiveTime> {
    let upper = s.trim().to_uppercase();
    let (hm, pm) = if let Some(x) = upper.strip_suffix("PM") {
        (x.trim(), Some(true))
    } else if let Some(x) = upper.strip_suffix("AM") {
        (x.trim(), Some(false))
    } else {
        (upper.trim(), None)
    };
    let (h, m) = hm.replace('.', ":").split_once(':').map(|(h, m)| (h.to_string(), m.to_string()))?;
    let mut h: u32 = h.parse().ok()?;
    let m: u32 = m.parse().ok()?;
    match pm {
        Some(true) if h < 12 => h += 12,
        Some(false) if h == 12 => h = 0,
        _ => {}
    }
    NaiveTime::from_hms_opt(h, m, 0)
}

/// The month three ASCII letters name (`Mar`, `okt`, `MAJ`), as
/// [`month_number`] reads them, without its search: the short form's month,
/// millions of times per completions export.
fn month_of_three(letters: [u8; 3]) -> Option<u32> {
    Some(match &letters.map(|b| b.to_ascii_lowercase()) {
        b"jan" => 1,
        b"feb" => 2,
        b"mar" => 3,
        b"apr" => 4,
        b"may" | b"maj" => 5,
        b"jun" => 6,
        b"jul" => 7,
        b"aug" => 8,
        b"sep" => 9,
        b"oct" | b"okt" => 10,
        b"nov" => 11,
        b"dec" => 12,
        _ => return None,
    })
}

fn month_number(word: &str) -> Option<u32> {
    let word = word.trim_end_matches('.');
    // ASCII (`Mar`, `okt`): compared without lower-casing a copy.
    if word.is_ascii() {
        let word = word.trim();
        // No two months' names share their first three letters: those pick the month.
        let b = word.as_bytes();
        let three = [b.first()?, b.get(1)?, b.get(2)?].map(u8::to_ascii_lowercase);
        let (names, n) = NAMES.iter().find(|(names, _)| names.iter().any(|n| n.as_bytes().starts_with(&three)))?;
        return names.iter().any(|n| n.eq_ignore_ascii_case(word)).then_some(*n);
    }
    let w = crate::domain::platform::fold(word);
    let w = w.as_ref();
    NAMES.iter().find(|(names, _)| names.contains(&w)).map(|(_, n)| *n)
}

/// Month names and abbreviations, English and Swedish, lower case.
const NAMES: [(&[&str], u32); 12] = [
    (&["jan", "january", "januari"], 1),
    (&["feb", "february", "februari"], 2),
    (&["mar", "march", "mars"], 3),
    (&["apr", "april"], 4),
    (&["may", "maj"], 5),
    (&["jun", "june", "juni"], 6),
    (&["jul", "july", "juli"], 7),
    (&["aug", "august", "augusti"], 8),
    (&["sep", "sept", "september"], 9),
    (&["oct", "october", "okt", "oktober"], 10),
    (&["nov", "november"], 11),
    (&["dec", "december"], 12),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> String {
        parse_datetime(s).unwrap().unwrap().format("%Y-%m-%d %H:%M").to_string()
    }

    #[test]
    fn totara_english_swedish_and_iso_forms_parse() {
        assert_eq!(dt("5 Mar 2024"), "2024-03-05 00:00");
        assert_eq!(dt("5 March 2024, 9:00 AM"), "2024-03-05 09:00");
        assert_eq!(dt("5 March 2024, 12:30 PM"), "2024-03-05 12:30");
        assert_eq!(dt("5 March 2024, 1:15 PM"), "2024-03-05 13:15");
        assert_eq!(dt("5 mars 2024, 09:00"), "2024-03-05 09:00");
        assert_eq!(dt("17 okt. 2025"), "2025-10-17 00:00");
        assert_eq!(dt("17 OKT. 2025"), "2025-10-17 00:00");
        assert_eq!(dt("1 Maj 2025"), "2025-05-01 00:00");
        assert_eq!(dt("9 SEPTEMBER 2025"), "2025-09-09 00:00");
        assert_eq!(dt("2024-03-05"), "2024-03-05 00:00");
        assert_eq!(dt("2024-03-05 09:00"), "2024-03-05 09:00");
        assert_eq!(parse_datetime("  ").unwrap(), None);
    }

    #[test]
    fn the_short_form_reads_every_day_as_the_general_path_does() {
        let months = ["Jan", "feb", "MAR", "Apr", "maj", "May", "jun", "Jul", "aug", "Sep", "okt", "Oct", "nov", "Dec"];
        let odd = ["Mär", "Xyz", "Ma1", "Marc", "ma", "m r"];
        let mut tried = 0;
        for day in ["0", "1", "5", "05", "9", "10", "28", "29", "30", "31", "32", "99", "x1", "1x"] {
            for month in months.iter().chain(&odd) {
                for year in ["2024", "2026", "2100", "0000", "999", "20266", "2o26"] {
                    let s = format!("{day} {month} {year}");
                    let short = day_month_year(s.as_bytes());
                    if let Some(d) = short {
                        assert_eq!(Ok(d.and_time(NaiveTime::MIN)), general(&s), "{s}");
                        tried += 1;
                    }
                    // Whatever the short form leaves, the general path decides.
                    assert_eq!(parse_datetime(&s), general(&s).map(Some), "{s}");
                }
            }
        }
        assert!(tried > 400, "the short form read {tried} dates");
        for not_short in
            ["5  Mar 2026", " 5 Mar 2026", "5 Mar 2026 ", "5 Mar 2026, 9:00 AM", "5. Mar 2026", "123 Mar 2026"]
        {
            assert_eq!(day_month_year(not_short.as_bytes()), None, "{not_short}");
        }
        assert_eq!(dt(" 5 Mar 2026 "), "2026-03-05 00:00");
        assert!(parse_datetime("31 Feb 2024").is_err() && parse_datetime("29 Feb 2024").is_ok());
    }

    /// Every three ASCII letters, in any case, name the month the general
    /// path's search finds for them, or none when it finds none.
    #[test]
    fn three_letters_name_the_month_the_search_finds() {
        let letters: Vec<u8> = (b'a'..=b'z').chain(b'A'..=b'Z').collect();
        let mut months = 0;
        for &a in &letters {
            for &b in &letters {
                for &c in &letters {
                    let word = [a, b, c];
                    let found = month_number(std::str::from_utf8(&word).unwrap());
                    assert_eq!(month_of_three(word), found, "{}", String::from_utf8_lossy(&word));
                    months += usize::from(found.is_some());
                }
            }
        }
        // 14 names (may/maj, oct/okt) in 8 cases each.
        assert_eq!(months, 14 * 8);
    }

    #[test]
    fn text_that_is_not_a_date_is_rejected() {
        for bad in ["5/3/2024", "31 Feb 2024", "soon", "5 Mar", "5 Mar 2024, 25:00", "5 Mär 2024", "5 Marc 2024"] {
            assert!(parse_datetime(bad).is_err(), "{bad} accepted");
        }
    }
}
