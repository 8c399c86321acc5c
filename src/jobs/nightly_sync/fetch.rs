//! The nightly sync's first stage: the configured HTTP sources and web
//! services, fetched into the inbox; what failed is an ingest line and a
//! finding, tried again next run.

use super::{files::file_name, SyncLog};
use crate::domain::{Code, Finding, Validators};
use crate::ingest::http::{fetch_all, Fetched};
use crate::ingest::webservice::{read_webservice, PagingStopped};
use crate::jobs::JobContext;
use crate::report::{IngestLine, IngestStatus};

/// Fetches every source and web service the run reads.
pub(super) fn fetch(ctx: &JobContext, log: &mut SyncLog) {
    // Downloads first: they land in the inbox complete, so they skip the settle check.
    let sources: Vec<_> = ctx.config.sources.iter().filter(|s| ctx.reads(&s.name)).cloned().collect();
    for (name, fetched) in fetch_all(&sources, &ctx.inbox, &|n| ctx.store.validators(n).unwrap_or_default()) {
        match fetched {
            Ok(Fetched::Downloaded { path, validators, .. }) => log.downloads.push((path, name, validators)),
            Ok(Fetched::NotModified) => log.lines.push(IngestLine::new(
                &name,
                "",
                IngestStatus::Unchanged,
                "not modified since the last download (HTTP 304)",
            )),
            Err(e) => failed(
                log,
                &name,
                &e.to_string(),
                format!("Hämtningen misslyckades: {}. Den görs om vid nästa körning.", e.message),
            ),
        }
    }
    for ws in ctx.config.webservices.iter().filter(|w| ctx.reads(&w.name)) {
        match read_webservice(ws, &ctx.inbox) {
            Ok(read) => {
                if let Some(stop) = read.stopped {
                    let note = format!(
                        "paging stopped at webservice.max_pages ({}) with {} account(s); more were not read",
                        stop.max_pages, stop.users
                    );
                    log.notes.extend(read.paths.iter().map(|p| (file_name(p), note.clone())));
                    log.findings.push(paging_stopped(&ws.name, stop));
                }
                log.downloads.extend(read.paths.into_iter().map(|p| (p, String::new(), Validators::default())));
            }
            Err(e) => failed(
                log,
                &ws.name,
                &e.to_string(),
                format!("Webbtjänsten kunde inte läsas: {}. Den läses igen vid nästa körning.", e.message),
            ),
        }
    }
}

fn failed(log: &mut SyncLog, name: &str, error: &str, detail: String) {
    log.lines.push(IngestLine::new(name, "", IngestStatus::Incomplete, &format!("{error}; tried again next run")));
    log.findings.push(Finding::new(Code::DownloadFailed, None, name, detail));
}

/// The finding for a web service read that stopped at `max_pages`.
fn paging_stopped(name: &str, stop: PagingStopped) -> Finding {
    Finding::new(
        Code::DownloadIncomplete,
        None,
        name,
        format!(
            "Webbtjänsten gav fler sidor än webservice.max_pages ({}); läsningen stoppades där med {} konto(n). \
             Höj gränsen eller kontrollera sidindelningen.",
            stop.max_pages, stop.users
        ),
    )
}
