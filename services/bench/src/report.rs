//! One line per figure, and the same as JSON.

use serde::Serialize;

use crate::workload::Measure;

/// What a figure is compared with.
#[derive(Debug, Clone, Serialize)]
pub struct Ceiling {
    /// e.g. "one row per transaction, 1 client".
    pub what: String,
    pub rows_per_sec: f64,
    pub rows: u64,
    pub secs: f64,
}

impl Ceiling {
    pub fn new(what: impl Into<String>, m: Measure) -> Self {
        Ceiling {
            what: what.into(),
            rows_per_sec: m.rate(),
            rows: m.count,
            secs: m.secs,
        }
    }
}

/// The target of a figure relative to its ceiling.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(tag = "kind", content = "min", rename_all = "snake_case")]
pub enum Target {
    /// value / ceiling at least this fraction (printed as a percentage).
    Share(f64),
    /// value / ceiling at least this multiple (printed as xN).
    Multiple(f64),
}

#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    pub id: &'static str,
    pub backend: &'static str,
    pub label: String,
    pub unit: &'static str,
    /// None when this build has no store for the backend.
    pub value: Option<f64>,
    pub count: u64,
    pub secs: f64,
    pub ceiling: Ceiling,
    pub ratio: Option<f64>,
    pub target: Target,
    pub pass: Option<bool>,
    /// W4: seconds to replay 1,000,000 events at the measured rate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ready_1m_secs: Option<f64>,
    /// Free text printed after the figure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Figure {
    pub fn new(
        id: &'static str,
        backend: &'static str,
        label: impl Into<String>,
        unit: &'static str,
        measured: Option<Measure>,
        ceiling: Ceiling,
        target: Target,
    ) -> Self {
        let value = measured.map(|m| m.rate());
        let ratio = value
            .filter(|_| ceiling.rows_per_sec > 0.0)
            .map(|v| v / ceiling.rows_per_sec);
        let pass = ratio.map(|r| match target {
            Target::Share(min) | Target::Multiple(min) => r >= min,
        });
        Figure {
            id,
            backend,
            label: label.into(),
            unit,
            value,
            count: measured.map_or(0, |m| m.count),
            secs: measured.map_or(0.0, |m| m.secs),
            ceiling,
            ratio,
            target,
            pass,
            ready_1m_secs: None,
            note: None,
        }
    }

    pub fn line(&self) -> String {
        let value = match self.value {
            Some(v) => format!("{:>10} {:<5}", thousands(v), self.unit),
            None => format!("{:>16}", "no store"),
        };
        let ceiling = thousands(self.ceiling.rows_per_sec);
        let compared = match (self.target, self.ratio) {
            (Target::Share(_), Some(r)) => format!(
                "({} {ceiling} rows/s, {:.0}%)",
                self.ceiling.what,
                r * 100.0
            ),
            (Target::Multiple(_), Some(r)) => {
                format!("(x{r:.1} of the {} {ceiling} rows/s)", self.ceiling.what)
            }
            (_, None) => format!("({} {ceiling} rows/s)", self.ceiling.what),
        };
        let target = match self.target {
            Target::Share(min) => format!(">= {:.0}%", min * 100.0),
            Target::Multiple(min) => format!(">= x{min:.0}"),
        };
        let verdict = match self.pass {
            Some(true) => "PASS",
            Some(false) => "MISS",
            None => "n/a",
        };
        let mut line = format!(
            "{} {:<8} {:<11} {value}  {compared}",
            self.id, self.backend, self.label
        );
        if let Some(secs) = self.ready_1m_secs {
            line.push_str(&format!("; 1M events ready in ~{secs:.1} s"));
        }
        line.push_str(&format!("  target {target} {verdict}"));
        if let Some(note) = &self.note {
            line.push_str(&format!("  [{note}]"));
        }
        line
    }
}

/// 4812.3 -> "4,812".
pub fn thousands(v: f64) -> String {
    let n = v.round().max(0.0) as u64;
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0.0), "0");
        assert_eq!(thousands(999.4), "999");
        assert_eq!(thousands(4_812.3), "4,812");
        assert_eq!(thousands(1_250_000.0), "1,250,000");
    }

    #[test]
    fn a_figure_is_judged_against_its_ceiling() {
        let ceiling = Ceiling::new(
            "ceiling",
            Measure {
                count: 5_000,
                secs: 1.0,
            },
        );
        let ok = Figure::new(
            "W1",
            "embedded",
            "1 client",
            "cmd/s",
            Some(Measure {
                count: 4_500,
                secs: 1.0,
            }),
            ceiling.clone(),
            Target::Share(0.85),
        );
        assert_eq!(ok.pass, Some(true));
        assert!(
            ok.line().contains("(ceiling 5,000 rows/s, 90%)"),
            "{}",
            ok.line()
        );
        let multiple = Figure::new(
            "W2",
            "embedded",
            "16 clients",
            "cmd/s",
            Some(Measure {
                count: 30_000,
                secs: 1.0,
            }),
            ceiling.clone(),
            Target::Multiple(8.0),
        );
        assert_eq!(multiple.pass, Some(false));
        assert!(
            multiple.line().contains("x6.0 of the ceiling"),
            "{}",
            multiple.line()
        );
        let missing = Figure::new(
            "W3",
            "postgres",
            "batch",
            "ev/s",
            None,
            ceiling,
            Target::Share(0.7),
        );
        assert_eq!(missing.pass, None);
        assert!(missing.line().contains("no store"));
    }
}
