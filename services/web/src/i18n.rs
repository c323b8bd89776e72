//! French and English: the language of a request, every label (given in both
//! languages where it is used, so none can be missing), and how numbers,
//! money, percentages and dates are written in each.

use axum::http::{HeaderMap, header};
use chrono::{Datelike, NaiveDate};
use fundtrail_domain::enums::{
    ContributionKind, NextStepStatus, OrganisationKind, PartnershipNature, PartnershipStatus,
    PledgeStatus, ProposalStatus, ProspectStage, Role, Theme,
};
use fundtrail_domain::money::{Currency, Money};
use fundtrail_export::labels::{self, Labelled};
use rust_decimal::Decimal;

/// The cookie that keeps the language chosen with the switch.
pub const LANG_COOKIE: &str = "ft_lang";

/// Narrow no-break space: the French thousands separator.
const NNBSP: char = '\u{202F}';
/// No-break space: between a number and its unit.
const NBSP: char = '\u{00A0}';

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Fr,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "en" => Some(Lang::En),
            "fr" => Some(Lang::Fr),
            _ => None,
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::Fr,
            Lang::Fr => Lang::En,
        }
    }

    /// The language's own name (for the switch).
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Fr => "Français",
        }
    }

    /// The text in this language.
    pub fn t<'a>(self, en: &'a str, fr: &'a str) -> &'a str {
        match self {
            Lang::En => en,
            Lang::Fr => fr,
        }
    }

    /// The language of a request: the switch's cookie, else the best of
    /// `Accept-Language`, else English.
    pub fn of_request(headers: &HeaderMap) -> Lang {
        if let Some(lang) = crate::session::cookie(headers, LANG_COOKIE).and_then(Lang::parse) {
            return lang;
        }
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(from_accept_language)
            .unwrap_or(Lang::En)
    }

    // ---- numbers ----

    /// An exact decimal with thousands separators, `places` decimals
    /// (`10 000 000`, `1 250,50` in French; `10,000,000`, `1,250.50` in English).
    pub fn number(self, value: Decimal, places: u32) -> String {
        let rounded = value
            .round_dp_with_strategy(places, rust_decimal::RoundingStrategy::MidpointNearestEven);
        let text = format!("{:.*}", places as usize, rounded.abs());
        let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
        let (group, point) = match self {
            Lang::En => (',', '.'),
            Lang::Fr => (NNBSP, ','),
        };
        let mut out = String::with_capacity(text.len() + 8);
        if rounded.is_sign_negative() && !rounded.is_zero() {
            out.push('-');
        }
        let digits = int.len();
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (digits - i) % 3 == 0 {
                out.push(group);
            }
            out.push(c);
        }
        if !frac.is_empty() {
            out.push(point);
            out.push_str(frac);
        }
        out
    }

    /// An amount in its currency: `10 000 000 F CFA`, `1 250,50 €` in
    /// French; `XOF 10,000,000`, `EUR 1,250.50` in English.
    pub fn money(self, m: Money) -> String {
        self.amount(m.amount, m.currency)
    }

    pub fn amount(self, amount: Decimal, currency: Currency) -> String {
        let n = self.number(amount, currency.minor_units());
        match self {
            Lang::En => format!("{}{NBSP}{n}", currency.code()),
            Lang::Fr => {
                let symbol = match currency.code() {
                    "XOF" | "XAF" => "F\u{00A0}CFA",
                    "EUR" => "€",
                    "USD" => "$\u{00A0}US",
                    other => other,
                };
                format!("{n}{NBSP}{symbol}")
            }
        }
    }

    /// A ratio as a percentage with one decimal (`0.1234` → `12.3%` / `12,3 %`).
    pub fn percent(self, ratio: Decimal) -> String {
        let n = self.number(ratio * Decimal::ONE_HUNDRED, 1);
        match self {
            Lang::En => format!("{n}%"),
            Lang::Fr => format!("{n}{NNBSP}%"),
        }
    }

    pub fn count(self, n: impl Into<u64>) -> String {
        self.number(Decimal::from(n.into()), 0)
    }

    /// `2 June 2023` / `2 juin 2023`.
    pub fn date(self, d: NaiveDate) -> String {
        const EN: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        const FR: [&str; 12] = [
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        ];
        let month = d.month0() as usize;
        match self {
            Lang::En => format!("{} {} {}", d.day(), EN[month], d.year()),
            Lang::Fr if d.day() == 1 => format!("1er {} {}", FR[month], d.year()),
            Lang::Fr => format!("{} {} {}", d.day(), FR[month], d.year()),
        }
    }

    pub fn opt_date(self, d: Option<NaiveDate>) -> String {
        d.map_or_else(
            || self.t("date unknown", "date inconnue").to_owned(),
            |d| self.date(d),
        )
    }

    /// A recorded instant, in UTC.
    pub fn instant(self, t: chrono::DateTime<chrono::Utc>) -> String {
        format!("{} {} UTC", self.date(t.date_naive()), t.format("%H:%M:%S"))
    }

    // ---- the domain's words (one table, `fundtrail_export::labels`, for every face) ----

    /// `(English, French)` in this language.
    fn pair(self, (en, fr): labels::Labels) -> &'static str {
        self.t(en, fr)
    }

    /// An enumeration's value in words.
    pub fn label(self, v: impl Labelled) -> &'static str {
        self.pair(v.labels())
    }

    pub fn kind(self, k: OrganisationKind) -> &'static str {
        self.label(k)
    }

    pub fn theme(self, t: Theme) -> &'static str {
        self.label(t)
    }

    pub fn themes(self, ts: &[Theme]) -> String {
        ts.iter()
            .map(|t| self.theme(*t))
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn nature(self, n: PartnershipNature) -> &'static str {
        self.label(n)
    }

    pub fn partnership_status(self, s: PartnershipStatus) -> &'static str {
        self.label(s)
    }

    pub fn proposal_status(self, s: ProposalStatus) -> &'static str {
        self.label(s)
    }

    pub fn pledge_status(self, s: PledgeStatus) -> &'static str {
        self.label(s)
    }

    pub fn contribution_kind(self, k: ContributionKind) -> &'static str {
        self.label(k)
    }

    /// What the source does not say (a party, a status, a date).
    pub fn not_stated(self) -> &'static str {
        self.pair(labels::NOT_STATED)
    }

    /// An amount nobody has given.
    pub fn not_valued(self) -> &'static str {
        self.pair(labels::NOT_VALUED)
    }

    /// A pledge's status as stated, in words; for goods, DISBURSED is « Livré ».
    pub fn stated_pledge_status(
        self,
        s: Option<PledgeStatus>,
        kind: ContributionKind,
    ) -> &'static str {
        match s {
            None => self.not_stated(),
            Some(s) => self.pair(labels::pledge_status(s, kind)),
        }
    }

    /// A partnership's status, or « non précisé ».
    pub fn opt_partnership_status(self, s: Option<PartnershipStatus>) -> &'static str {
        s.map_or(self.not_stated(), |s| self.partnership_status(s))
    }

    /// Where a roadmap's next step stands (the questionnaire's words).
    pub fn next_step_status(self, s: NextStepStatus) -> &'static str {
        self.label(s)
    }

    /// Where an action stands.
    pub fn action_status(self, s: fundtrail_domain::enums::ActionStatus) -> &'static str {
        self.label(s)
    }

    /// Where an approach to a donor stands.
    pub fn prospect_stage(self, s: ProspectStage) -> &'static str {
        self.label(s)
    }

    /// A next step's status, or « non précisé ».
    pub fn opt_next_step_status(self, s: Option<NextStepStatus>) -> &'static str {
        s.map_or(self.not_stated(), |s| self.next_step_status(s))
    }

    /// A minimum: « au moins 12,5 % » / "at least 12.5%".
    pub fn at_least(self, figure: &str) -> String {
        match self {
            Lang::En => format!("at least {figure}"),
            Lang::Fr => format!("au moins {figure}"),
        }
    }

    /// A maximum: « au plus 70 000 000 F CFA » / "at most XOF 70,000,000".
    pub fn at_most(self, figure: &str) -> String {
        match self {
            Lang::En => format!("at most {figure}"),
            Lang::Fr => format!("au plus {figure}"),
        }
    }

    /// « + 7 contributions non chiffrées » / "+ 7 unvalued contributions".
    pub fn unvalued_contributions(self, n: u32) -> String {
        let count = self.count(n);
        match (self, n) {
            (Lang::En, 1) => format!("+ {count} unvalued contribution"),
            (Lang::En, _) => format!("+ {count} unvalued contributions"),
            (Lang::Fr, 1) => format!("+ {count} contribution non chiffrée"),
            (Lang::Fr, _) => format!("+ {count} contributions non chiffrées"),
        }
    }

    /// « + 2 contributions sans date connue » (left out by the date asked).
    pub fn undated_contributions(self, n: u32) -> String {
        let count = self.count(n);
        match (self, n) {
            (Lang::En, 1) => format!("+ {count} contribution without a known date"),
            (Lang::En, _) => format!("+ {count} contributions without a known date"),
            (Lang::Fr, 1) => format!("+ {count} contribution sans date connue"),
            (Lang::Fr, _) => format!("+ {count} contributions sans date connue"),
        }
    }

    /// A month written `YYYY-MM`, in words: « avril 2024 » / "April 2024"
    /// (the text as it is when it is not such a month).
    pub fn month(self, yyyy_mm: &str) -> String {
        let day = NaiveDate::parse_from_str(&format!("{}-01", yyyy_mm.trim()), "%Y-%m-%d");
        match day {
            Ok(d) => {
                let full = self.date(d);
                // « 1er avril 2024 » / "1 April 2024": the month and the year
                full.split_once(' ')
                    .map_or(full.clone(), |(_, rest)| rest.to_owned())
            }
            Err(_) => yyyy_mm.to_owned(),
        }
    }

    pub fn yes_no(self, b: bool) -> &'static str {
        if b {
            self.t("yes", "oui")
        } else {
            self.t("no", "non")
        }
    }

    pub fn role(self, r: Role) -> &'static str {
        match r {
            Role::Viewer => self.t("viewer", "lecteur"),
            Role::Officer => self.t("officer", "chargé de saisie"),
            Role::Auditor => self.t("auditor", "auditeur"),
            Role::Admin => self.t("administrator", "administrateur"),
        }
    }

    /// The contract's error codes, as a person reads them.
    pub fn error_code(self, code: &str) -> &'static str {
        match code {
            "BAD_USER_INPUT" => self.t("Please check this entry", "Veuillez vérifier cette saisie"),
            "NOT_FOUND" => self.t("Not found", "Introuvable"),
            "ALREADY_EXISTS" => self.t("Already recorded", "Déjà enregistré"),
            "INVALID_STATE" => self.t(
                "Not possible in the record's current state",
                "Impossible dans l'état actuel de la fiche",
            ),
            "CONCURRENCY_CONFLICT" => self.t(
                "Someone else changed this record since you opened the form",
                "Quelqu'un d'autre a modifié cette fiche depuis l'ouverture du formulaire",
            ),
            "IDEMPOTENCY_CONFLICT" => self.t(
                "This form was already sent with other values",
                "Ce formulaire a déjà été envoyé avec d'autres valeurs",
            ),
            "UNAUTHENTICATED" => self.t("Please sign in again", "Veuillez vous reconnecter"),
            "FORBIDDEN" => self.t(
                "Your role does not allow this",
                "Votre rôle ne le permet pas",
            ),
            _ => self.t(
                "The server could not do this",
                "Le serveur n'a pas pu le faire",
            ),
        }
    }

    /// Common phrases of the domain's (English) messages, in French; the
    /// English text is shown as it is.
    pub fn detail(self, message: &str) -> String {
        if self == Lang::En {
            return message.to_owned();
        }
        const PHRASES: [(&str, &str); 16] = [
            ("must not be empty", "ne doit pas être vide"),
            ("does not exist", "n'existe pas"),
            ("already exists", "existe déjà"),
            ("must be positive", "doit être positif"),
            ("must add up exactly to", "doivent totaliser exactement"),
            ("is not a date", "n'est pas une date"),
            ("must not be before", "ne doit pas précéder"),
            ("current state", "état actuel"),
            ("is at version", "est à la version"),
            ("not the expected version", "et non à la version attendue"),
            ("characters", "caractères"),
            ("is not a currency code", "n'est pas un code de devise"),
            ("more than the amount", "plus que le montant"),
            ("cannot be", "ne peut pas être"),
            (
                "does not belong to roadmap",
                "n'appartient pas à la feuille de route",
            ),
            ("is not", "n'est pas"),
        ];
        let mut out = message.to_owned();
        for (en, fr) in PHRASES {
            out = out.replace(en, fr);
        }
        out
    }
}

/// The preferred supported language of an `Accept-Language` value.
fn from_accept_language(value: &str) -> Option<Lang> {
    let mut best: Option<(f32, usize, Lang)> = None;
    for (i, part) in value.split(',').enumerate() {
        let mut pieces = part.split(';');
        let tag = pieces.next().unwrap_or("").trim();
        let q = pieces
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let primary = tag.split('-').next().unwrap_or("");
        let Some(lang) = Lang::parse(primary) else {
            continue;
        };
        if q <= 0.0 {
            continue;
        }
        // Highest q wins; on a tie, the first listed.
        if best.is_none_or(|(bq, bi, _)| q > bq || (q == bq && i < bi)) {
            best = Some((q, i, lang));
        }
    }
    best.map(|(_, _, l)| l)
}

/// Reads an amount typed by a person: spaces and the other language's
/// separators are tolerated (`10 000 000`, `1 250,50`, `1,250.50`).
pub fn parse_amount(lang: Lang, raw: &str) -> Option<Decimal> {
    let cleaned: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != NNBSP && *c != NBSP && *c != '_' && *c != '\'')
        .collect();
    if cleaned.is_empty() {
        return None;
    }
    let last_comma = cleaned.rfind(',');
    let last_dot = cleaned.rfind('.');
    let grouped = |sep: char| {
        let parts: Vec<&str> = cleaned.trim_start_matches('-').split(sep).collect();
        parts.len() > 1
            && !parts[0].is_empty()
            && parts[0].len() <= 3
            && parts[1..].iter().all(|p| p.len() == 3)
    };
    let normal = match (last_comma, last_dot) {
        (Some(c), Some(d)) if c > d => cleaned.replace('.', "").replace(',', "."),
        (Some(_), Some(_)) => cleaned.replace(',', ""),
        (Some(_), None) if lang == Lang::En && grouped(',') => cleaned.replace(',', ""),
        (Some(_), None) => cleaned.replace(',', "."),
        (None, Some(_)) if lang == Lang::Fr && grouped('.') => cleaned.replace('.', ""),
        _ => cleaned,
    };
    if !normal
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
    {
        return None;
    }
    normal.parse::<Decimal>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn money_in_both_languages() {
        let m = Money::new(d("10000000"), Currency::XOF);
        assert_eq!(
            Lang::Fr.money(m),
            "10\u{202F}000\u{202F}000\u{A0}F\u{A0}CFA"
        );
        assert_eq!(Lang::En.money(m), "XOF\u{A0}10,000,000");
        let e = Money::new(d("1250.5"), Currency::EUR);
        assert_eq!(Lang::En.money(e), "EUR\u{A0}1,250.50");
        assert_eq!(Lang::Fr.money(e), "1\u{202F}250,50\u{A0}€");
        assert_eq!(Lang::En.number(d("999"), 0), "999");
        assert_eq!(Lang::En.number(d("-1234"), 0), "-1,234");
    }

    #[test]
    fn percentages_and_dates() {
        assert_eq!(Lang::En.percent(d("0.1234")), "12.3%");
        assert_eq!(Lang::Fr.percent(d("0.1234")), "12,3\u{202F}%");
        let day = NaiveDate::from_ymd_opt(2023, 6, 2).unwrap();
        assert_eq!(Lang::En.date(day), "2 June 2023");
        assert_eq!(Lang::Fr.date(day), "2 juin 2023");
    }

    #[test]
    fn months_bounds_and_counts() {
        assert_eq!(Lang::Fr.month("2024-04"), "avril 2024");
        assert_eq!(Lang::En.month("2024-04"), "April 2024");
        assert_eq!(Lang::En.month("someday"), "someday");
        assert_eq!(Lang::Fr.at_least("12,5 %"), "au moins 12,5 %");
        assert_eq!(Lang::En.at_most("XOF 1"), "at most XOF 1");
        assert_eq!(
            Lang::Fr.unvalued_contributions(7),
            "+ 7 contributions non chiffrées"
        );
        assert_eq!(
            Lang::En.unvalued_contributions(1),
            "+ 1 unvalued contribution"
        );
    }

    #[test]
    fn accept_language() {
        assert_eq!(
            from_accept_language("fr-CI,fr;q=0.9,en;q=0.8"),
            Some(Lang::Fr)
        );
        assert_eq!(
            from_accept_language("de, en;q=0.5, fr;q=0.4"),
            Some(Lang::En)
        );
        assert_eq!(from_accept_language("de"), None);
        assert_eq!(from_accept_language("en;q=0.2, fr;q=0.9"), Some(Lang::Fr));
    }

    #[test]
    fn typed_amounts() {
        assert_eq!(parse_amount(Lang::Fr, "10 000 000"), Some(d("10000000")));
        assert_eq!(parse_amount(Lang::Fr, "1 250,50"), Some(d("1250.50")));
        assert_eq!(parse_amount(Lang::En, "1,250.50"), Some(d("1250.50")));
        assert_eq!(parse_amount(Lang::En, "1,250,000"), Some(d("1250000")));
        assert_eq!(parse_amount(Lang::Fr, "1.250.000"), Some(d("1250000")));
        assert_eq!(parse_amount(Lang::En, "12.5"), Some(d("12.5")));
        assert_eq!(parse_amount(Lang::En, "twelve"), None);
        assert_eq!(parse_amount(Lang::En, ""), None);
    }
}
