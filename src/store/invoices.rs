//! The invoice basis of each computed month.

use super::{Store, StoreError};
use crate::domain::{InvoiceBasis, InvoiceLine, LineKind};
use crate::domain::{KommunKod, Money, Month, Year};
use rusqlite::{params, Transaction};

/// Replaces the stored basis of a month inside a run's transaction.
fn save(tx: &Transaction, run_id: i64, basis: &InvoiceBasis) -> rusqlite::Result<()> {
    let month = basis.month.to_string();
    tx.execute("DELETE FROM invoice_lines WHERE month = ?1", [&month])?;
    tx.execute(
        "INSERT INTO invoice_months (month, run_id) VALUES (?1, ?2)
         ON CONFLICT(month) DO UPDATE SET run_id = excluded.run_id",
        params![month, run_id],
    )?;
    let mut stmt = tx.prepare(
        "INSERT INTO invoice_lines (month, line_no, kommunkod, article, description, quantity, unit_price, amount, run_id, kind, undecided)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    for (i, l) in basis.lines.iter().enumerate() {
        stmt.execute(params![
            month,
            i as i64,
            l.kommun.to_string(),
            l.article,
            l.description,
            l.quantity,
            l.unit_price.as_decimal().to_string(),
            l.amount.as_decimal().to_string(),
            run_id,
            l.kind.as_str(),
            l.undecided
        ])?;
    }
    Ok(())
}

impl super::RunTx<'_> {
    /// Stores a month's basis as part of the run.
    pub fn save_invoice_basis(&self, basis: &InvoiceBasis) -> Result<(), StoreError> {
        save(&self.tx, self.run_id, basis).map_err(self.wrap())
    }
}

impl Store {
    /// The stored bases of a year's months, in month order.
    pub fn invoice_bases(&self, year: Year) -> Result<Vec<InvoiceBasis>, StoreError> {
        let mut months = self
            .conn
            .prepare("SELECT month FROM invoice_months WHERE month LIKE ?1 ORDER BY month")
            .map_err(self.err())?;
        let list: Vec<String> = months
            .query_map([format!("{year}-%")], |r| r.get(0))
            .map_err(self.err())?
            .collect::<Result<_, _>>()
            .map_err(self.err())?;
        let mut out = Vec::new();
        for m in list {
            let month = Month::parse(&m).map_err(|e| self.corrupt(&e.to_string()))?;
            let mut stmt = self
                .conn
                .prepare(
                    "SELECT kommunkod, article, description, quantity, unit_price, amount, kind, undecided
                     FROM invoice_lines WHERE month = ?1 ORDER BY line_no",
                )
                .map_err(self.err())?;
            type Raw = (String, String, String, u32, String, String, String, Option<String>);
            let raw: Vec<Raw> = stmt
                .query_map([&m], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?))
                })
                .map_err(self.err())?
                .collect::<Result<_, _>>()
                .map_err(self.err())?;
            let mut lines = Vec::new();
            for (k, article, description, quantity, unit, amount, kind, undecided) in raw {
                let parse = |s: &str| Money::parse(s).map_err(|e| self.corrupt(&e.to_string()));
                lines.push(InvoiceLine {
                    kommun: KommunKod::parse(&k).map_err(|e| self.corrupt(&e.to_string()))?,
                    kind: LineKind::parse(&kind).ok_or_else(|| self.corrupt(&format!("line kind '{kind}'")))?,
                    article,
                    description,
                    quantity,
                    unit_price: parse(&unit)?,
                    amount: parse(&amount)?,
                    undecided,
                });
            }
            out.push(InvoiceBasis { month, lines });
        }
        Ok(out)
    }

    pub(crate) fn corrupt(&self, what: &str) -> StoreError {
        StoreError {
            path: self.path.clone(),
            source: rusqlite::Error::InvalidColumnType(
                0,
                format!("stored value is invalid: {what}"),
                rusqlite::types::Type::Text,
            ),
        }
    }
}

impl Store {
    /// When a month was closed (its basis delivered), if it was.
    pub fn month_closed(&self, month: Month) -> Result<Option<String>, StoreError> {
        use rusqlite::OptionalExtension;
        self.conn
            .query_row("SELECT closed_at FROM invoice_months WHERE month = ?1", [month.to_string()], |r| {
                r.get::<_, Option<String>>(0)
            })
            .optional()
            .map(|o| o.flatten())
            .map_err(self.err())
    }

    /// The closed months before `month`, oldest first.
    pub fn closed_months_before(&self, month: Month) -> Result<Vec<Month>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT month FROM invoice_months WHERE closed_at IS NOT NULL AND month < ?1 ORDER BY month")
            .map_err(self.err())?;
        let rows: Vec<String> = stmt
            .query_map([month.to_string()], |r| r.get(0))
            .map_err(self.err())?
            .collect::<Result<_, _>>()
            .map_err(self.err())?;
        rows.iter().map(|m| Month::parse(m).map_err(|e| self.corrupt(&e.to_string()))).collect()
    }

    /// The stored basis of one month.
    pub fn invoice_basis(&self, month: Month) -> Result<Option<InvoiceBasis>, StoreError> {
        Ok(self.invoice_bases(month.year())?.into_iter().find(|b| b.month == month))
    }

    /// Adjustments made for `for_month` in months other than `except_in`: (kommun, article, unit price, amount).
    pub fn adjustments_for(
        &self,
        for_month: Month,
        except_in: Month,
    ) -> Result<Vec<(KommunKod, String, Money, Money)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT kommunkod, article, unit_price, amount FROM invoice_adjustments WHERE for_month = ?1 AND in_month != ?2")
            .map_err(self.err())?;
        let raw: Vec<(String, String, String, String)> = stmt
            .query_map([for_month.to_string(), except_in.to_string()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .map_err(self.err())?
            .collect::<Result<_, _>>()
            .map_err(self.err())?;
        raw.into_iter()
            .map(|(k, a, u, m)| {
                let bad = |e: crate::domain::ParseError| self.corrupt(&e.to_string());
                Ok((
                    KommunKod::parse(&k).map_err(bad)?,
                    a,
                    Money::parse(&u).map_err(bad)?,
                    Money::parse(&m).map_err(bad)?,
                ))
            })
            .collect()
    }
}

impl super::RunTx<'_> {
    /// Records a month's adjustments (replacing earlier ones of the same month) and, unless a dry run, closes it.
    pub fn save_adjustments_and_close(
        &self,
        month: Month,
        adjustments: &[crate::domain::Adjustment],
        close: bool,
    ) -> Result<(), StoreError> {
        let tx = &self.tx;
        tx.execute("DELETE FROM invoice_adjustments WHERE in_month = ?1", [month.to_string()]).map_err(self.wrap())?;
        for a in adjustments {
            tx.execute(
                "INSERT INTO invoice_adjustments (for_month, in_month, kommunkod, article, unit_price, amount) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    a.for_month.to_string(),
                    month.to_string(),
                    a.kommun.to_string(),
                    a.article,
                    a.unit_price.as_decimal().to_string(),
                    a.delta.as_decimal().to_string()
                ],
            ).map_err(self.wrap())?;
        }
        if close {
            tx.execute(
                "UPDATE invoice_months SET closed_at = ?2 WHERE month = ?1",
                params![month.to_string(), self.now()],
            )
            .map_err(self.wrap())?;
        }
        Ok(())
    }
}
