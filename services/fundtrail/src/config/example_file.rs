//! `ops/fundtrail.example.toml` documents every setting: each one appears
//! once, commented out, with its environment variable; the file as shipped
//! loads to the defaults, and with every setting uncommented it still loads
//! (through the real loader) to the defaults, except for the settings that
//! have none.

use std::collections::BTreeMap;

use super::{Overrides, SETTINGS, Settings, load};

const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../ops/fundtrail.example.toml"
);

/// `# name = value` lines naming a setting: (name, the line uncommented).
fn commented_settings(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| {
            let rest = line.strip_prefix('#')?.trim_start();
            let (name, _) = rest.split_once('=')?;
            let name = name.trim();
            SETTINGS
                .contains(&name)
                .then(|| (name.to_owned(), rest.to_owned()))
        })
        .collect()
}

#[test]
fn the_example_file_lists_every_setting_once_with_its_variable() {
    let text = std::fs::read_to_string(EXAMPLE).expect("ops/fundtrail.example.toml");
    let found = commented_settings(&text);
    let mut seen = BTreeMap::new();
    for (name, _) in &found {
        *seen.entry(name.as_str()).or_insert(0) += 1;
    }
    for name in SETTINGS {
        assert_eq!(
            seen.get(name),
            Some(&1),
            "{name} must appear exactly once as `# {name} = ...` in the example file"
        );
        let variable = format!("FUNDTRAIL_{}", name.to_uppercase());
        assert!(
            text.contains(&variable),
            "the example file does not name {variable}"
        );
    }
    // Every field of Settings is a setting (and so must be documented).
    let fields = serde_json::to_value(Settings::default()).unwrap();
    for key in fields.as_object().unwrap().keys() {
        assert!(
            SETTINGS.contains(&key.as_str()),
            "{key} is a field of Settings but not in SETTINGS"
        );
    }
}

#[test]
// figment::Jail's closures return figment::Error, a large type we do not choose.
#[allow(clippy::result_large_err)]
fn the_example_file_loads_as_shipped_and_uncommented() {
    let text = std::fs::read_to_string(EXAMPLE).unwrap();
    // In a jail, its environment emptied (and restored after): the other
    // settings tests set variables, which would win over the file.
    figment::Jail::expect_with(|jail| {
        jail.clear_env();
        jail.create_file("shipped.toml", &text)?;
        assert_eq!(
            load(
                Some(std::path::Path::new("shipped.toml")),
                &Overrides::default()
            )
            .unwrap(),
            Settings::default(),
            "everything in the shipped example is commented out"
        );

        let uncommented: String = commented_settings(&text)
            .into_iter()
            .map(|(_, line)| line + "\n")
            .collect();
        jail.create_file("all.toml", &uncommented)?;
        let loaded = load(
            Some(std::path::Path::new("all.toml")),
            &Overrides::default(),
        )
        .unwrap_or_else(|e| panic!("the uncommented example does not load: {e}"));
        let loaded = serde_json::to_value(loaded).unwrap();
        let defaults = serde_json::to_value(Settings::default()).unwrap();
        for (name, default) in defaults.as_object().unwrap() {
            if default.is_null() {
                // No default (store, snapshot_dir): the example shows a value.
                assert!(
                    !loaded[name].is_null(),
                    "{name}: the example shows no value"
                );
            } else {
                assert_eq!(
                    &loaded[name], default,
                    "{name}: the example's value is not the default"
                );
            }
        }
        Ok(())
    });
}
