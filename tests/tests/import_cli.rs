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

const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../ops/demo/civ-2023.yaml");

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
    let first = run(DEMO, &data);
    let out = String::from_utf8_lossy(&first.stdout);
    assert!(first.status.success(), "{out}");
    assert!(
        out.contains("80 records read, 106 events appended, 0 records unchanged"),
        "{out}"
    );
    let second = run(DEMO, &data);
    let out = String::from_utf8_lossy(&second.stdout);
    assert!(second.status.success(), "{out}");
    assert!(
        out.contains("0 events appended, 80 records unchanged"),
        "{out}"
    );

    let bad = dir.path().join("bad.yaml");
    let text = std::fs::read_to_string(DEMO)
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
