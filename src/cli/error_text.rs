//! The one line `error: …` the binary prints when a command fails.

/// The error and its causes joined by `: `, each cause only when the text
/// before it does not already say it: most of our errors show their cause
/// in their own message ("state database X: database or disk is full"), and
/// the cause printed again after it only made the line longer.
pub fn error_text(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let said = cause.to_string();
        if said.is_empty() || text.contains(&said) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&said);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[derive(Debug, thiserror::Error)]
    #[error("state database out/state.sqlite: {source}")]
    struct Store {
        #[source]
        source: std::io::Error,
    }

    #[test]
    fn a_cause_the_message_already_gives_is_not_repeated_and_a_new_one_is_kept() {
        let disk = std::io::Error::other("database or disk is full");
        let e = Err::<(), _>(Store { source: disk }).context("nightly-sync 2026-11-23 failed; nothing was written");
        assert_eq!(
            error_text(&e.unwrap_err()),
            "nightly-sync 2026-11-23 failed; nothing was written: state database out/state.sqlite: database or disk is full"
        );
        let e = Err::<(), _>(std::io::Error::other("no such file")).context("cannot read inbox/a.csv");
        assert_eq!(error_text(&e.unwrap_err()), "cannot read inbox/a.csv: no such file");
    }
}
