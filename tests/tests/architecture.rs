//! The crate map of `docs/architecture.md`, enforced: which workspace crate
//! may depend on which (normal dependencies; tests may reach further).
//! Reads `cargo metadata`, so a forbidden dependency fails here the moment a
//! `Cargo.toml` gains it.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde_json::Value;

/// Every workspace crate's normal (non-dev, non-build) dependencies.
fn dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml");
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
            "--manifest-path",
            manifest,
        ])
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("cargo metadata's JSON");
    let mut map = BTreeMap::new();
    for package in metadata["packages"].as_array().expect("packages") {
        let name = package["name"].as_str().unwrap().to_owned();
        let deps = package["dependencies"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["kind"].is_null())
            .map(|d| d["name"].as_str().unwrap().to_owned())
            .collect();
        map.insert(name, deps);
    }
    map
}

/// The crates below the faces: none of them may depend on a face.
const CORE: &[&str] = &[
    "fundtrail-domain",
    "fundtrail-store",
    "fundtrail-store-sqlite",
    "fundtrail-store-postgres",
    "fundtrail-store-kurrentdb",
    "fundtrail-projections",
    "fundtrail-ledger",
    "fundtrail-app",
    "fundtrail-export",
];

/// The faces of the application; none depends on another.
const FACES: &[&str] = &["fundtrail-api", "fundtrail-web", "fundtrail-import"];

/// Crates that do I/O (a runtime, a database driver, a network stack).
const IO: &[&str] = &[
    "tokio",
    "sqlx",
    "rusqlite",
    "hyper",
    "axum",
    "async-graphql",
    "reqwest",
    "mio",
];

#[test]
fn only_the_binary_and_the_end_to_end_suite_depend_on_the_graphql_api() {
    let deps = dependencies();
    let users: Vec<&String> = deps
        .iter()
        .filter(|(_, d)| d.contains("fundtrail-api"))
        .map(|(name, _)| name)
        .collect();
    assert_eq!(
        users,
        ["fundtrail", "fundtrail-e2e"],
        "who depends on fundtrail-api"
    );
}

#[test]
fn faces_run_on_the_application_and_not_on_each_other() {
    let deps = dependencies();
    for face in FACES {
        let own = &deps[*face];
        assert!(
            own.contains("fundtrail-app"),
            "{face} must run on fundtrail-app"
        );
        for other in FACES.iter().filter(|f| *f != face) {
            assert!(!own.contains(*other), "{face} must not depend on {other}");
        }
    }
    for core in CORE {
        for face in FACES {
            assert!(
                !deps[*core].contains(*face),
                "{core} is below the faces and must not depend on {face}"
            );
        }
        assert!(
            !deps[*core].contains("fundtrail"),
            "{core} must not depend on the binary"
        );
    }
}

#[test]
fn the_domain_does_no_io_and_the_read_side_knows_no_backend() {
    let deps = dependencies();
    let domain = &deps["fundtrail-domain"];
    let ours: Vec<&String> = domain
        .iter()
        .filter(|d| d.starts_with("fundtrail"))
        .collect();
    assert!(
        ours.is_empty(),
        "the domain depends on no crate of ours: {ours:?}"
    );
    for io in IO {
        assert!(!domain.contains(*io), "the domain must not depend on {io}");
    }
    for backend in [
        "fundtrail-store-sqlite",
        "fundtrail-store-postgres",
        "fundtrail-store-kurrentdb",
    ] {
        for reader in [
            "fundtrail-projections",
            "fundtrail-export",
            "fundtrail-ledger",
        ] {
            assert!(
                !deps[reader].contains(backend),
                "{reader} must not depend on the store backend {backend}"
            );
        }
    }
    // Exports take a read model: no store, no server, no application.
    for forbidden in ["fundtrail-store", "fundtrail-app", "axum", "tokio"] {
        assert!(
            !deps["fundtrail-export"].contains(forbidden),
            "fundtrail-export must not depend on {forbidden}"
        );
    }
}
