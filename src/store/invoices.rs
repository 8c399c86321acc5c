//! The invoice basis of each computed month.

use super::{Store, StoreError};
use crate::billing::{InvoiceBasis, InvoiceLine};
use crate::domain::{KommunKod, Money, Month, Year};
use rusqlite::{params, Transaction};

/// Replaces the stored basis of a month inside a run's transaction.
pub(crate) fn save(tx: &Transaction, run_id: i64, basis: &InvoiceBasis) -> rusqlite::Result<()> {
    let month = basis.month.to_string();
    tx.execute("DELETE FROM invoice_lines WHERE month = ?1", [&month])?;
    tx.execute(
        "INSERT INTO invoice_months (month, run_id) VALUES (?1, ?2)
         ON CONFLICT(month) DO UPDATE SET run_id = excluded.run_id",
        params![month, run_id],
    )?;
    let mut stmt = tx.prepare(
        "INSERT INTO invoice_lines (month, line_no, kommunkod, article, description, quantity, unit_price, amount, run_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
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
            run_id
        ])?;
    }
    Ok(())
}

impl Store {
    /// Stores a month's basis as part of a run (see [`Store::commit_run`]).
    pub fn save_invoice_basis(tx: &Transaction, run_id: i64, basis: &InvoiceBasis) -> rusqlite::Result<()> {
        save(tx, run_id, basis)
    }

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
                    "SELECT kommunkod, article, description, quantity, unit_price, amount
                     FROM invoice_lines WHERE month = ?1 ORDER BY line_no",
                )
                .map_err(self.err())?;
            let raw: Vec<(String, String, String, u32, String, String)> = stmt
                .query_map([&m], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
                .map_err(self.err())?
                .collect::<Result<_, _>>()
                .map_err(self.err())?;
            let mut lines = Vec::new();
            for (k, article, description, quantity, unit, amount) in raw {
                let parse = |s: &str| Money::parse(s).map_err(|e| self.corrupt(&e.to_string()));
                lines.push(InvoiceLine {
                    kommun: KommunKod::parse(&k).map_err(|e| self.corrupt(&e.to_string()))?,
                    article,
                    description,
                    quantity,
                    unit_price: parse(&unit)?,
                    amount: parse(&amount)?,
                });
            }
            out.push(InvoiceBasis { month, lines });
        }
        Ok(out)
    }

    fn corrupt(&self, what: &str) -> StoreError {
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
