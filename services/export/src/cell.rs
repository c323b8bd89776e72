//! One cell of a table, typed: what it holds decides how each format writes
//! it (see [`crate::render()`]).
//!
//! What is not known is never written as zero nor left empty where a value
//! is expected: [`Cell::NotStated`] (the source does not say: a party, a
//! status, a date, a nature) and [`Cell::NotValued`] (an amount nobody put a
//! figure on) are written « non précisé » / « non chiffré » ("not stated" /
//! "not valued") in CSV and XLSX, and `null` in JSON. [`Cell::Empty`] is for
//! what does not apply (no requirement, no commitment yet, no source).

use std::fmt;

use chrono::NaiveDate;
use fundtrail_domain::money::{Currency, Money};
use rust_decimal::Decimal;
use serde_json::Value;

use crate::Lang;
use crate::labels::{self, Labelled};

/// One cell of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Nothing applies here.
    Empty,
    Text(String),
    /// A machine value and its words: JSON writes `code` (the stable
    /// enumeration codes, or ids), CSV and XLSX write `text` (labels in the
    /// table's language, or names).
    Label {
        code: String,
        text: String,
    },
    Int(u64),
    /// An amount, formatted with its currency in spreadsheets.
    Money(Decimal, Currency),
    /// A ratio (coverage), shown as a percentage in spreadsheets.
    Ratio(Decimal),
    /// A date: ISO 8601 in CSV and JSON, a date cell in XLSX.
    Date(NaiveDate),
    /// Yes or no, in words in CSV and XLSX, `true`/`false` in JSON.
    Bool(bool),
    /// The source does not state it.
    NotStated,
    /// An amount that is not known.
    NotValued,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    /// The text, or [`Cell::Empty`] when there is none.
    pub fn opt_text(s: Option<impl Into<String>>) -> Cell {
        s.map_or(Cell::Empty, Cell::text)
    }

    /// The text, or [`Cell::NotStated`] when the source does not give it.
    pub fn stated_text(s: Option<impl Into<String>>) -> Cell {
        s.map_or(Cell::NotStated, Cell::text)
    }

    pub fn money(m: &Money) -> Cell {
        Cell::Money(m.amount, m.currency)
    }

    /// The amount, or [`Cell::Empty`] when none applies.
    pub fn opt_money(m: Option<&Money>) -> Cell {
        m.map_or(Cell::Empty, Cell::money)
    }

    /// The amount, or [`Cell::NotValued`] when it is not known.
    pub fn valued(m: Option<&Money>) -> Cell {
        m.map_or(Cell::NotValued, Cell::money)
    }

    /// The date; when there is none, [`Cell::NotStated`] if one is
    /// `expected` (the step happened), else [`Cell::Empty`].
    pub fn date(d: Option<NaiveDate>, expected: bool) -> Cell {
        match d {
            Some(d) => Cell::Date(d),
            None if expected => Cell::NotStated,
            None => Cell::Empty,
        }
    }

    /// Ids (or any values) as one text, `; ` between them.
    pub fn list<T: fmt::Display>(items: &[T]) -> Cell {
        Cell::Text(join(items.iter().map(ToString::to_string), "; "))
    }

    /// An enumeration value: its code for JSON, its label for people.
    pub fn label<T: Labelled>(value: T, lang: Lang) -> Cell {
        Cell::Label {
            code: value.code().to_owned(),
            text: value.label(lang).to_owned(),
        }
    }

    /// Enumeration values: their codes for JSON, their labels for people.
    pub fn labels<T: Labelled>(values: &[T], lang: Lang) -> Cell {
        Cell::Label {
            code: join(values.iter().map(|v| v.code().to_owned()), "; "),
            text: join(
                values.iter().map(|v| v.label(lang).to_owned()),
                labels::separator(lang),
            ),
        }
    }

    /// Whether CSV writes the cell as text (and so guards it against
    /// formulas): everything but numbers and dates.
    pub(crate) fn is_text(&self) -> bool {
        !matches!(
            self,
            Cell::Int(_) | Cell::Money(..) | Cell::Ratio(_) | Cell::Date(_)
        )
    }

    /// As text for CSV (exact decimals, no grouping, ISO dates, words in `lang`).
    pub(crate) fn plain(&self, lang: Lang) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) | Cell::Label { text: s, .. } => s.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Money(d, _) | Cell::Ratio(d) => d.normalize().to_string(),
            Cell::Date(d) => d.to_string(),
            Cell::Bool(b) => labels::pick(lang, if *b { labels::YES } else { labels::NO }).into(),
            Cell::NotStated => labels::pick(lang, labels::NOT_STATED).into(),
            Cell::NotValued => labels::pick(lang, labels::NOT_VALUED).into(),
        }
    }

    /// As JSON: amounts are exact decimal strings, as in the API; what is
    /// not known is `null`; enumerations are their codes.
    pub(crate) fn json(&self) -> Value {
        match self {
            Cell::Empty | Cell::NotStated | Cell::NotValued => Value::Null,
            Cell::Int(n) => Value::from(*n),
            Cell::Bool(b) => Value::Bool(*b),
            Cell::Label { code, .. } => Value::String(code.clone()),
            other => Value::String(other.plain(Lang::En)),
        }
    }
}

/// The texts, `sep` between them.
pub(crate) fn join(items: impl Iterator<Item = String>, sep: &str) -> String {
    items.collect::<Vec<_>>().join(sep)
}

#[cfg(test)]
mod tests {
    use super::*;
    use fundtrail_domain::enums::Theme;

    #[test]
    fn what_is_not_known_is_words_in_csv_and_null_in_json() {
        assert_eq!(Cell::NotValued.plain(Lang::Fr), "non chiffré");
        assert_eq!(Cell::NotValued.plain(Lang::En), "not valued");
        assert_eq!(Cell::NotStated.plain(Lang::Fr), "non précisé");
        assert_eq!(Cell::NotStated.plain(Lang::En), "not stated");
        assert_eq!(Cell::NotValued.json(), Value::Null);
        assert_eq!(Cell::NotStated.json(), Value::Null);
        assert_eq!(Cell::valued(None), Cell::NotValued);
        assert_eq!(Cell::date(None, true), Cell::NotStated);
        assert_eq!(Cell::date(None, false), Cell::Empty);
    }

    #[test]
    fn labels_are_words_for_people_and_codes_for_json() {
        let themes = Cell::labels(&[Theme::ChildLabour, Theme::Trafficking], Lang::Fr);
        assert_eq!(
            themes.plain(Lang::Fr),
            "Travail des enfants ; Traite des personnes"
        );
        assert_eq!(themes.json(), Value::from("CHILD_LABOUR; TRAFFICKING"));
        assert_eq!(Cell::Bool(true).plain(Lang::Fr), "oui");
        assert_eq!(Cell::Bool(false).json(), Value::Bool(false));
    }
}
