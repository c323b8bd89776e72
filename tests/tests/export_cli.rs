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

#[test]
fn export_funding_as_csv_and_xlsx() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let imported = fundtrail()
        .args(["import", DEMO, "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(imported.status.success());

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
