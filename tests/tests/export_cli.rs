//! `fundtrail export ...` as a child process: CSV to stdout, XLSX to a file,
//! clear refusals.

use std::process::Command;

fn fundtrail() -> Command {
    let exe = fundtrail_e2e::process::executable(env!("CARGO_BIN_EXE_fundtrail-e2e-server"));
    let mut c = Command::new(exe);
    c.env_remove("FUNDTRAIL_CONFIG")
        .env_remove("FUNDTRAIL_STORE")
        .env_remove("FUNDTRAIL_DATA_DIR");
    c
}

const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../ops/demo/civ-2023.yaml");
/// A test fixture, not the report: statuses and an amount to add up.
const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/civ-2023-dated.yaml");

fn import(file: &str, data: &std::path::Path) {
    let imported = fundtrail()
        .args(["import", file, "--data-dir"])
        .arg(data)
        .output()
        .unwrap();
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
}

#[test]
fn export_funding_as_csv_and_xlsx() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    import(FIXTURE, &data);

    let csv = fundtrail()
        .args([
            "export",
            "funding",
            "--roadmap",
            "civ-2023",
            "--format",
            "csv",
        ])
        .args(["--lang", "fr", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&csv.stdout);
    assert!(
        csv.status.success(),
        "{}",
        String::from_utf8_lossy(&csv.stderr)
    );
    assert!(out.starts_with("Rang,Priorité,"), "{out}");
    assert!(
        out.contains(",Total,,,10000000,10000000,10000000,"),
        "{out}"
    );

    // The report itself states no status and values only the kits: pledged,
    // nothing said committed or disbursed, and the unknowns said in words.
    let demo = dir.path().join("demo");
    import(DEMO, &demo);
    let csv = fundtrail()
        .args(["export", "funding", "--roadmap", "civ-2023"])
        .args(["--format", "csv", "--lang", "fr", "--data-dir"])
        .arg(&demo)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&csv.stdout);
    assert!(
        csv.status.success(),
        "{}",
        String::from_utf8_lossy(&csv.stderr)
    );
    assert!(out.contains(",Total,,,10000000,0,0,"), "{out}");
    let csv = fundtrail()
        .args(["export", "pledges", "--format", "csv", "--lang", "fr"])
        .arg("--data-dir")
        .arg(&demo)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&csv.stdout);
    assert!(
        csv.status.success(),
        "{}",
        String::from_utf8_lossy(&csv.stderr)
    );
    let kits = out
        .lines()
        .find(|l| l.starts_with("c-stc-kits,"))
        .unwrap_or_else(|| panic!("no kits in {out}"));
    // donor, recipient (not stated), roadmap, kind, status (not stated), amount
    assert!(
        kits.starts_with(
            "c-stc-kits,stc-ci,Save the Children Côte d'Ivoire,non précisé,non précisé,civ-2023,"
        ),
        "{kits}"
    );
    assert!(kits.contains(",non précisé,10000000,XOF,"), "{kits}");
    assert!(kits.contains(",civ-2023-report,"), "{kits}");
    let motos = out
        .lines()
        .find(|l| l.starts_with("c-ccc-motos,"))
        .unwrap_or_else(|| panic!("no motos in {out}"));
    assert!(
        motos.starts_with("c-ccc-motos,non précisé,non précisé,ccc,"),
        "{motos}"
    );
    assert!(motos.contains(",non précisé,non chiffré,"), "{motos}");

    let file = dir.path().join("pledges.xlsx");
    let xlsx = fundtrail()
        .args(["export", "pledges", "--format", "xlsx", "--out"])
        .arg(&file)
        .arg("--data-dir")
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        xlsx.status.success(),
        "{}",
        String::from_utf8_lossy(&xlsx.stderr)
    );
    assert_eq!(&std::fs::read(&file).unwrap()[..2], b"PK");

    for (args, message) in [
        (&["funding", "--format", "xlsx"][..], "xlsx needs --out"),
        (&["funding", "--format", "csv"][..], "needs a roadmap"),
        (
            &["funding", "--roadmap", "nowhere", "--format", "csv"][..],
            "roadmap nowhere not found",
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
        assert!(err.contains(message), "{err}");
    }
}
