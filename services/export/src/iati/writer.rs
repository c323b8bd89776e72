//! The IATI model written as XML, in the element order of the 2.03 schema
//! (`iati-activities-schema.xsd`).

use std::io;

use chrono::SecondsFormat;
use fundtrail_domain::money::Currency;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use super::model::*;
use crate::ExportError;

/// Writes the file. Elements come in the order of the 2.03 schema's
/// sequences; every `value` has its `currency` and `value-date`. Refuses an
/// activity that the schema would refuse for a missing required element.
pub fn write(doc: &Document) -> Result<Vec<u8>, ExportError> {
    if doc.activities.is_empty() {
        return Err(ExportError::Unavailable(
            "an IATI file needs at least one activity".into(),
        ));
    }
    for a in &doc.activities {
        let missing = if a.title.is_empty() {
            Some("a title")
        } else if a.descriptions.is_empty()
            || a.descriptions.iter().any(|d| d.narratives.is_empty())
        {
            Some("a description")
        } else if a.participating_orgs.is_empty() {
            Some("a participating organisation")
        } else if a.dates.is_empty() {
            Some("an activity date")
        } else if a.reporting_org.name.trim().is_empty() {
            Some("a reporting organisation name")
        } else {
            None
        };
        if let Some(what) = missing {
            return Err(ExportError::Write(format!(
                "activity {} has no {what}, which IATI requires",
                a.identifier
            )));
        }
    }
    let mut x = Xml(Writer::new_with_indent(Vec::new(), b' ', 2));
    document(&mut x, doc).map_err(|e| ExportError::Write(e.to_string()))?;
    let mut bytes = x.0.into_inner();
    bytes.push(b'\n');
    Ok(bytes)
}

fn document(x: &mut Xml, doc: &Document) -> io::Result<()> {
    x.0.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let generated = doc.generated.to_rfc3339_opts(SecondsFormat::Secs, true);
    x.start(
        "iati-activities",
        &[("version", VERSION), ("generated-datetime", &generated)],
    )?;
    if !doc.omitted.is_empty() {
        // No user text goes into a comment as it is: the ids are written in
        // their comment-safe form, the reasons are ours.
        let mut text = format!(
            "\n  fundtrail: {} of {} pledge(s) not published as activities \
             (ids percent-encoded where they are not plain slugs):\n",
            doc.omitted.len(),
            doc.omitted.len() + doc.activities.len()
        );
        for o in &doc.omitted {
            text.push_str(&format!("  - {}: {}\n", comment_id(&o.pledge_id), o.reason));
        }
        text.push_str("  ");
        x.comment(&text)?;
    }
    for a in &doc.activities {
        activity(x, a)?;
    }
    x.end("iati-activities")
}

fn activity(x: &mut Xml, a: &Activity) -> io::Result<()> {
    let currency = a.default_currency.map(Currency::code);
    let mut attrs = vec![("xml:lang", a.lang)];
    if let Some(c) = currency {
        attrs.push(("default-currency", c));
    }
    x.start("iati-activity", &attrs)?;
    x.leaf("iati-identifier", &[], &a.identifier)?;

    let r = &a.reporting_org;
    x.start(
        "reporting-org",
        &[
            ("ref", r.reference.as_str()),
            ("type", r.org_type),
            (
                "secondary-reporter",
                if r.secondary_reporter { "1" } else { "0" },
            ),
        ],
    )?;
    x.narratives(&[Narrative::recorded(r.name.clone())])?;
    x.end("reporting-org")?;

    x.text_element("title", &[], &a.title)?;
    for d in &a.descriptions {
        x.text_element("description", &[("type", d.kind.code())], &d.narratives)?;
    }
    for p in &a.participating_orgs {
        let mut attrs = org_attrs(&p.org);
        attrs.push(("role", p.role.code()));
        x.text_element(
            "participating-org",
            &attrs,
            &[Narrative::recorded(p.org.name.clone())],
        )?;
    }
    if let Some(id) = &a.internal_id {
        x.empty("other-identifier", &[("ref", id), ("type", "A1")])?;
    }
    x.empty("activity-status", &[("code", a.status.code())])?;
    for (kind, date) in &a.dates {
        let date = date.to_string();
        x.empty(
            "activity-date",
            &[("type", kind.code()), ("iso-date", &date)],
        )?;
    }
    if let Some(code) = a.recipient_country {
        x.empty("recipient-country", &[("code", code)])?;
    }
    for s in &a.sectors {
        let percentage = s.percentage.to_string();
        x.empty(
            "sector",
            &[
                ("vocabulary", s.vocabulary),
                ("code", s.code),
                ("percentage", &percentage),
            ],
        )?;
    }
    for t in &a.tags {
        x.text_element(
            "tag",
            &[("vocabulary", t.vocabulary), ("code", t.code)],
            &t.narratives,
        )?;
    }
    for t in &a.transactions {
        transaction(x, t)?;
    }
    x.end("iati-activity")
}

fn org_attrs(org: &Org) -> Vec<(&str, &str)> {
    let mut attrs = Vec::new();
    if let Some(r) = &org.reference {
        attrs.push(("ref", r.as_str()));
    }
    if let Some(t) = org.org_type {
        attrs.push(("type", t));
    }
    attrs
}

fn transaction(x: &mut Xml, t: &Transaction) -> io::Result<()> {
    x.start("transaction", &[])?;
    x.empty("transaction-type", &[("code", t.kind.code())])?;
    let date = t.date.to_string();
    x.empty("transaction-date", &[("iso-date", &date)])?;
    let value_date = t.value_date.to_string();
    x.leaf(
        "value",
        &[
            ("currency", t.value.currency.code()),
            ("value-date", &value_date),
        ],
        &t.value.amount.normalize().to_string(),
    )?;
    if !t.description.is_empty() {
        x.text_element("description", &[], &t.description)?;
    }
    for (name, org, activity_attr, activity) in [
        (
            "provider-org",
            &t.provider,
            "provider-activity-id",
            &t.provider_activity,
        ),
        (
            "receiver-org",
            &t.receiver,
            "receiver-activity-id",
            &t.receiver_activity,
        ),
    ] {
        if let Some(org) = org {
            let mut attrs = org_attrs(org);
            if let Some(a) = activity {
                attrs.push((activity_attr, a.as_str()));
            }
            x.text_element(name, &attrs, &[Narrative::recorded(org.name.clone())])?;
        }
    }
    x.end("transaction")
}

/// An id as it may appear in a comment: ASCII letters, digits, `.` and `_`
/// as they are, a `-` as it is only between two of those, and every other
/// byte (of the UTF-8) as `%XX`. So `civ-2023-p1` reads as it is, and no id
/// can put `--` into a comment nor end it with `-` (`a---b` is
/// `a%2D%2D%2Db`, `a-` is `a%2D`).
pub fn comment_id(id: &str) -> String {
    let plain = |b: u8| b.is_ascii_alphanumeric() || b == b'.' || b == b'_';
    let bytes = id.as_bytes();
    let mut out = String::with_capacity(id.len());
    for (i, &b) in bytes.iter().enumerate() {
        let lone_dash = b == b'-'
            && i > 0
            && plain(bytes[i - 1])
            && bytes.get(i + 1).is_some_and(|&n| plain(n));
        if plain(b) || lone_dash {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Drops the characters XML 1.0 does not allow (control characters other
/// than tab and line breaks, U+FFFE, U+FFFF); quick-xml escapes the rest.
fn xml_text(s: &str) -> std::borrow::Cow<'_, str> {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
    };
    if s.chars().all(allowed) {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(s.chars().filter(|c| allowed(*c)).collect())
    }
}

struct Xml(Writer<Vec<u8>>);

impl Xml {
    fn tag<'a>(name: &'a str, attrs: &[(&'a str, &'a str)]) -> BytesStart<'a> {
        let mut start = BytesStart::new(name);
        for (key, value) in attrs {
            start.push_attribute((*key, xml_text(value).as_ref()));
        }
        start
    }

    fn start(&mut self, name: &str, attrs: &[(&str, &str)]) -> io::Result<()> {
        self.0.write_event(Event::Start(Self::tag(name, attrs)))
    }

    fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) -> io::Result<()> {
        self.0.write_event(Event::Empty(Self::tag(name, attrs)))
    }

    fn end(&mut self, name: &str) -> io::Result<()> {
        self.0.write_event(Event::End(BytesEnd::new(name)))
    }

    /// `<name attrs>text</name>`, the text escaped.
    fn leaf(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) -> io::Result<()> {
        self.start(name, attrs)?;
        self.0
            .write_event(Event::Text(BytesText::new(xml_text(text).as_ref())))?;
        self.end(name)
    }

    fn narratives(&mut self, narratives: &[Narrative]) -> io::Result<()> {
        for n in narratives {
            match n.lang {
                Some(lang) => self.leaf("narrative", &[("xml:lang", lang)], &n.text)?,
                None => self.leaf("narrative", &[], &n.text)?,
            }
        }
        Ok(())
    }

    /// An element holding narratives only.
    fn text_element(
        &mut self,
        name: &str,
        attrs: &[(&str, &str)],
        narratives: &[Narrative],
    ) -> io::Result<()> {
        self.start(name, attrs)?;
        self.narratives(narratives)?;
        self.end(name)
    }

    /// A comment. Callers put no user text in one (see [`comment_id`]); in
    /// case they did, `--` (which XML forbids in a comment) is broken up until
    /// none is left, and a final `-` gets a space after it.
    fn comment(&mut self, text: &str) -> io::Result<()> {
        let mut text = xml_text(text).into_owned();
        while text.contains("--") {
            text = text.replace("--", "- -");
        }
        if text.ends_with('-') {
            text.push(' ');
        }
        self.0
            .write_event(Event::Comment(BytesText::from_escaped(text)))
    }
}
