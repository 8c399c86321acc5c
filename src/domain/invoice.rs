//! The invoice basis as the stages exchange it: lines with their kind, the
//! month's basis with its totals, and the adjustments late register changes
//! make to closed months.

use super::{KommunKod, Money, Month, Quantity};

/// What an invoice line is for; stored with it, so later runs recognise a
/// line by its kind, never by its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LineKind {
    /// Attended regional participant-days.
    CourseDays,
    /// No-shows on regional days.
    NoShow,
    /// National course days RSS buys on the members' behalf.
    NationalDays,
    /// An instalment of the regional fixed cost.
    FixedCost,
    /// A line from the register's sheet `Övriga rader`.
    Other,
    /// The trainer-pot credit (settlement `credit`).
    PotCredit,
    /// The difference a late register change made to a closed month.
    Adjustment,
}

impl LineKind {
    /// The code stored in the state database.
    pub fn as_str(self) -> &'static str {
        match self {
            LineKind::CourseDays => "course-days",
            LineKind::NoShow => "no-show",
            LineKind::NationalDays => "national-days",
            LineKind::FixedCost => "fixed-cost",
            LineKind::Other => "other",
            LineKind::PotCredit => "pot-credit",
            LineKind::Adjustment => "adjustment",
        }
    }

    /// Parses a stored code.
    pub fn parse(s: &str) -> Option<LineKind> {
        [
            LineKind::CourseDays,
            LineKind::NoShow,
            LineKind::NationalDays,
            LineKind::FixedCost,
            LineKind::Other,
            LineKind::PotCredit,
            LineKind::Adjustment,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// One line for finance.
#[derive(Debug, Clone, PartialEq)]
pub struct InvoiceLine {
    /// The municipality invoiced.
    pub kommun: KommunKod,
    /// What the line is for.
    pub kind: LineKind,
    /// Article code (config).
    pub article: String,
    /// Swedish description.
    pub description: String,
    /// How many units.
    pub quantity: Quantity,
    /// Price per unit.
    pub unit_price: Money,
    /// `quantity × unit_price`.
    pub amount: Money,
    /// The config setting whose amount nobody has decided, if any: such a line
    /// is shown as preliminary and never delivered.
    pub undecided: Option<String>,
}

/// The invoice basis of one month.
#[derive(Debug, Clone, PartialEq)]
pub struct InvoiceBasis {
    /// The month invoiced.
    pub month: Month,
    /// Lines sorted by municipality code, then in article order.
    pub lines: Vec<InvoiceLine>,
}

impl InvoiceBasis {
    /// The lines of one municipality.
    pub fn lines_of(&self, k: KommunKod) -> impl Iterator<Item = &InvoiceLine> {
        self.lines.iter().filter(move |l| l.kommun == k)
    }

    /// A municipality's total.
    pub fn total_of(&self, k: KommunKod) -> Money {
        self.lines_of(k).map(|l| l.amount).sum()
    }

    /// The region's total.
    pub fn total(&self) -> Money {
        self.lines.iter().map(|l| l.amount).sum()
    }

    /// The municipalities with lines, in code order.
    pub fn municipalities(&self) -> Vec<KommunKod> {
        let mut v: Vec<KommunKod> = self.lines.iter().map(|l| l.kommun).collect();
        v.dedup();
        v
    }

    /// The undecided settings behind its lines, each once, in order.
    pub fn undecided(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.lines.iter().filter_map(|l| l.undecided.as_deref()).collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

/// One difference to invoice (or credit) later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adjustment {
    /// The closed month it corrects.
    pub for_month: Month,
    /// The municipality.
    pub kommun: KommunKod,
    /// The article of the corrected lines.
    pub article: String,
    /// The unit price of the corrected lines (part of the key).
    pub unit_price: Money,
    /// What the corrected lines were about.
    pub description: String,
    /// The difference: positive = more to invoice, negative = a credit.
    pub delta: Money,
    /// The undecided setting behind the recomputed amount, if any: such an
    /// adjustment is refused like any other undecided line.
    pub undecided: Option<String>,
}

impl Adjustment {
    /// The adjustment as a line of the month it is invoiced in.
    pub fn line(&self) -> InvoiceLine {
        InvoiceLine {
            kommun: self.kommun,
            kind: LineKind::Adjustment,
            article: self.article.clone(),
            description: format!("Justering {}: {}", self.for_month, self.description),
            quantity: 1,
            unit_price: self.delta,
            amount: self.delta,
            undecided: self.undecided.clone(),
        }
    }
}
