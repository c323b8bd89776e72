//! `fundtrail import FILE` as a child process: summary, idempotence, refusal.

use std::process::Command;

fn fundtrail() -> Command {
    let exe = fundtrail_e2e::process::executable(env!("CARGO_BIN_EXE_fundtrail-e2e-server"));
    let mut c = Command::new(exe);
    c.env_remove("FUNDTRAIL_CONFIG")
        .env_remove("FUNDTRAIL_STORE")
        .env_remove("FUNDTRAIL_DATA_DIR");
    c
}

/// The report as it is: its document's text is read from `sources/`,
/// beside the file.
const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../ops/demo/civ-2023.yaml");
/// A test fixture, not the report: an earlier extraction with dates,
/// amounts and statuses to correct (and no document to read).
const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/civ-2023-dated.yaml");
/// The fixture's name: a corrected copy is imported under the same one.
const FIXTURE_NAME: &str = "civ-2023-dated.yaml";

#[test]
fn import_twice_appends_once_and_a_broken_file_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let run = |file: &str, data: &std::path::Path| {
        fundtrail()
            .args(["import", file, "--data-dir"])
            .arg(data)
            .output()
            .unwrap()
    };
    // The demo from disk (its text found relative to the file), every record
    // and every step of the plan, once.
    let plan = fundtrail_import::plan(
        fundtrail_import::DEMO_FILE_NAME,
        &std::fs::read_to_string(DEMO).unwrap(),
    )
    .unwrap();
    let records = plan.records;
    assert!(records > 0);
    let first = run(DEMO, &data);
    let out = String::from_utf8_lossy(&first.stdout);
    assert!(
        first.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(
        out.contains(&format!(
            "{records} records read, {} events appended, 0 records unchanged",
            plan.steps.len()
        )),
        "{out}"
    );
    let second = run(DEMO, &data);
    let out = String::from_utf8_lossy(&second.stdout);
    assert!(second.status.success(), "{out}");
    assert!(
        out.contains(&format!("0 events appended, {records} records unchanged")),
        "{out}"
    );

    // The demo elsewhere, without its text: refused, the document named.
    let moved = dir.path().join("civ-2023.yaml");
    std::fs::copy(DEMO, &moved).unwrap();
    let elsewhere = dir.path().join("elsewhere");
    let refused = run(moved.to_str().unwrap(), &elsewhere);
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(err.contains("civ-2023-report: text: cannot read"), "{err}");
    assert!(!elsewhere.exists(), "nothing is written for a refused file");

    let bad = dir.path().join("bad.yaml");
    let text = std::fs::read_to_string(FIXTURE)
        .unwrap()
        .replace("kind: FOUNDATION", "kind: CHARITY")
        .replace("donor: cemoi,", "donor: nobody,");
    std::fs::write(&bad, text).unwrap();
    let other = dir.path().join("other");
    let refused = run(bad.to_str().unwrap(), &other);
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(
        err.contains("ici: kind") && err.contains("c-cemoi-asa: donor"),
        "{err}"
    );
    assert!(!other.exists(), "nothing is written for a refused file");
}

/// The fixture with `(from, to)` edits, each text found exactly once.
fn edited(edits: &[(&str, &str)]) -> String {
    let mut text = std::fs::read_to_string(FIXTURE).unwrap();
    for (from, to) in edits {
        assert_eq!(text.matches(from).count(), 1, "{from:?}");
        text = text.replace(from, to);
    }
    text
}

#[test]
fn a_corrected_copy_appends_its_corrections_and_a_refused_one_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let run = |file: &std::path::Path| {
        let out = fundtrail()
            .arg("import")
            .arg(file)
            .arg("--data-dir")
            .arg(&data)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, out, err) = run(std::path::Path::new(FIXTURE));
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("84 records read, 110 events appended, 0 records unchanged"),
        "{out}"
    );

    // The corrected report, sent again under the same name.
    std::fs::create_dir(dir.path().join("v2")).unwrap();
    let corrected = dir.path().join("v2").join(FIXTURE_NAME);
    std::fs::write(
        &corrected,
        edited(&[
            (
                "currency: XOF\n",
                "currency: XOF\ncorrected_on: 2024-01-15\n",
            ),
            (
                r#"amount: {value: "10000000", currency: XOF}"#,
                r#"amount: {value: "12000000", currency: XOF}"#,
            ),
            (
                "recipient: meps, kind: CASH, status: COMMITTED,",
                "recipient: meps, kind: CASH, status: DISBURSED,",
            ),
            (
                "parties: [cnltp, idlo], status: NEGOTIATING,",
                "parties: [cnltp, idlo], status: SIGNED, signed_on: 2024-01-10,",
            ),
        ]),
    )
    .unwrap();
    let (ok, out, err) = run(&corrected);
    assert!(ok, "{out}{err}");
    assert!(
        out.contains(
            "84 records read, 4 events appended, 81 records unchanged, 3 records corrected, 0 records added"
        ),
        "{out}"
    );
    let (ok, out, err) = run(&corrected);
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("0 events appended, 84 records unchanged, 0 records corrected"),
        "{out}"
    );

    // A correction no command makes: the whole file is refused, with the
    // record and the field, and nothing is appended.
    let refused = dir.path().join("v3").join(FIXTURE_NAME);
    std::fs::create_dir(dir.path().join("v3")).unwrap();
    std::fs::write(
        &refused,
        edited(&[
            (
                "currency: XOF\n",
                "currency: XOF\ncorrected_on: 2024-01-15\n",
            ),
            // below the 12,000,000 XOF now disbursed
            (
                r#"amount: {value: "10000000", currency: XOF}"#,
                r#"amount: {value: "8000000", currency: XOF}"#,
            ),
            (
                "recipient: meps, kind: CASH, status: COMMITTED,",
                "recipient: meps, kind: CASH, status: DISBURSED,",
            ),
            (
                "parties: [cnltp, idlo], status: NEGOTIATING,",
                "parties: [cnltp, idlo], status: SIGNED, signed_on: 2024-01-10,",
            ),
            // no command renames an organisation
            (
                "name: \"Conseil du Café-Cacao\"",
                "name: \"Conseil Café-Cacao\"",
            ),
        ]),
    )
    .unwrap();
    let (ok, out, err) = run(&refused);
    assert!(!ok, "{out}");
    assert!(
        err.contains("ccc: name: the ledger has \"Conseil du Café-Cacao\""),
        "{err}"
    );
    assert!(
        err.contains(
            "c-stc-kits: amount: revising to 8000000 XOF is below the 12000000 XOF already disbursed"
        ),
        "{err}"
    );
    assert!(err.contains("2 problem(s), nothing imported"), "{err}");
    assert!(!out.contains("events appended"), "{out}");
    let (ok, out, err) = run(&corrected);
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("0 events appended"),
        "nothing was appended: {out}"
    );
}

#[test]
fn each_kind_of_mistake_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        edited(&[
            ("date: 2023-08-24", "date: 2023-08-32"),
            (
                r#"amount: {value: "10000000", currency: XOF}"#,
                r#"amount: {value: "-5", currency: FCFA}"#,
            ),
            ("{id: cip,", "{id: cibes,"),
            (
                "recipient: meps, kind: CASH, status: COMMITTED,",
                "recipient: meps, kind: CASH, status: PROMISED,",
            ),
            // neither donor nor recipient
            (
                "id: c-cargill-asa, donor: cargill, recipient: asa-ci,",
                "id: c-cargill-asa,",
            ),
            ("donor: cemoi,", "donor: nobody,"),
        ]),
    )
    .unwrap();
    let data = dir.path().join("data");
    let out = fundtrail()
        .arg("import")
        .arg(&bad)
        .arg("--data-dir")
        .arg(&data)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    for line in [
        "c-ccc-motos: date: \"2023-08-32\" is not a date (YYYY-MM-DD)",
        "c-stc-kits: amount.currency: \"FCFA\" is not an ISO 4217 currency",
        "c-stc-kits: amount.value: -5 is not a positive amount",
        "cibes: id: duplicate id in the file",
        "c-gov-centres: status: unknown value \"PROMISED\"",
        "c-cargill-asa: donor: missing",
        "c-cemoi-asa: donor: unknown organisation \"nobody\"",
        "7 problem(s), nothing imported",
    ] {
        assert!(err.contains(line), "{line:?} in:\n{err}");
    }
    assert!(!data.exists(), "nothing is written for a refused file");
}
