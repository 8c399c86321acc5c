//! The trainer pot of each delivered year, frozen whole (as JSON of the
//! distribution), and the adjustments later years carried for it.

use super::{Reader, Store, StoreError};
use crate::domain::PotDistribution;
use crate::domain::{Money, Recipient, Year};
use rusqlite::{params, OptionalExtension};

impl Store {
    /// See [`Reader::frozen_pot`].
    pub fn frozen_pot(&self, year: Year) -> Result<Option<PotDistribution>, StoreError> {
        self.reader().frozen_pot(year)
    }
}

impl Reader<'_> {
    fn corrupt(&self, what: &str) -> StoreError {
        StoreError {
            path: self.path.to_path_buf(),
            source: rusqlite::Error::InvalidColumnType(
                0,
                format!("stored value is invalid: {what}"),
                rusqlite::types::Type::Text,
            ),
        }
    }

    /// The frozen distribution of a delivered year, if it was delivered.
    pub fn frozen_pot(&self, year: Year) -> Result<Option<PotDistribution>, StoreError> {
        let json: Option<String> = self
            .conn
            .query_row("SELECT distribution FROM pot_years WHERE year = ?1", [year.get()], |r| r.get(0))
            .optional()
            .map_err(self.err())?;
        json.map(|j| serde_json::from_str(&j).map_err(|e| self.corrupt(&format!("frozen pot {year}: {e}")))).transpose()
    }

    /// The delivered years before `year`, oldest first.
    pub fn frozen_years_before(&self, year: Year) -> Result<Vec<Year>, StoreError> {
        let mut stmt =
            self.conn.prepare("SELECT year FROM pot_years WHERE year < ?1 ORDER BY year").map_err(self.err())?;
        let years: Vec<i32> = stmt
            .query_map([year.get()], |r| r.get(0))
            .map_err(self.err())?
            .collect::<Result<_, _>>()
            .map_err(self.err())?;
        years.into_iter().map(|y| Year::new(y).map_err(|e| self.corrupt(&e.to_string()))).collect()
    }

    /// Adjustments for `for_year` already carried by years other than `except_in`.
    pub fn pot_adjustments_for(&self, for_year: Year, except_in: Year) -> Result<Vec<(Recipient, Money)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT recipient, amount FROM pot_adjustments WHERE for_year = ?1 AND in_year != ?2")
            .map_err(self.err())?;
        let raw: Vec<(String, String)> = stmt
            .query_map([for_year.get(), except_in.get()], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(self.err())?
            .collect::<Result<_, _>>()
            .map_err(self.err())?;
        raw.into_iter()
            .map(|(r, a)| {
                let bad = |e: crate::domain::ParseError| self.corrupt(&e.to_string());
                Ok((Recipient::parse(&r).map_err(bad)?, Money::parse(&a).map_err(bad)?))
            })
            .collect()
    }
}

impl super::RunTx<'_> {
    /// Freezes a delivered year's distribution and records the adjustments it
    /// carried, inside the run's transaction. A year is frozen once.
    pub fn freeze_pot(&self, pot: &PotDistribution) -> Result<(), StoreError> {
        let (tx, run_id) = (&self.tx, self.run_id);
        let json = serde_json::to_string(pot)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
            .map_err(self.wrap())?;
        tx.execute(
            "INSERT INTO pot_years (year, run_id, delivered_at, distribution) VALUES (?1, ?2, ?3, ?4)",
            params![pot.year.get(), run_id, self.now(), json],
        )
        .map_err(self.wrap())?;
        tx.execute("DELETE FROM pot_adjustments WHERE in_year = ?1", [pot.year.get()]).map_err(self.wrap())?;
        for a in &pot.adjustments {
            tx.execute(
                "INSERT INTO pot_adjustments (for_year, in_year, recipient, amount) VALUES (?1, ?2, ?3, ?4)",
                params![a.for_year.get(), pot.year.get(), a.recipient.to_string(), a.amount.as_decimal().to_string()],
            )
            .map_err(self.wrap())?;
        }
        Ok(())
    }
}
