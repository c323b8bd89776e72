//! JSON Schemas of every event type, committed under `schema/events/<EventType>.v<N>.json`.
//!
//! The test `committed_schemas_match_the_code` fails when a committed file and
//! the code differ. To regenerate the files after changing an event, run
//!
//! ```text
//! UPDATE_SCHEMAS=1 cargo test -p fundtrail-domain event_schema
//! ```
//!
//! and commit the result. A changed shape must come with a new schema version
//! and an upcaster (see [`crate::events`]): never edit a released `vN` file.

use serde_json::Value;

use crate::action::ActionEvent;
use crate::document::DocumentEvent;
use crate::events::EventEnum;
use crate::exchange_rate::ExchangeRateEvent;
use crate::next_step::NextStepEvent;
use crate::organisation::OrganisationEvent;
use crate::partnership::PartnershipEvent;
use crate::pledge::PledgeEvent;
use crate::priority::PriorityEvent;
use crate::proposal::ProposalEvent;
use crate::prospect::ProspectEvent;
use crate::roadmap::RoadmapEvent;
use crate::token::TokenEvent;

/// `(file name, schema)` of every current event type, e.g. `("PledgeMade.v1.json", {...})`.
pub fn event_schemas() -> Vec<(String, Value)> {
    [
        OrganisationEvent::schemas(),
        RoadmapEvent::schemas(),
        PriorityEvent::schemas(),
        PartnershipEvent::schemas(),
        ProposalEvent::schemas(),
        PledgeEvent::schemas(),
        ExchangeRateEvent::schemas(),
        TokenEvent::schemas(),
        DocumentEvent::schemas(),
        NextStepEvent::schemas(),
        ProspectEvent::schemas(),
        ActionEvent::schemas(),
    ]
    .concat()
}

/// A schema as written to its file: pretty-printed, with a trailing newline.
pub fn render(schema: &Value) -> String {
    let mut s = serde_json::to_string_pretty(schema).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::path::PathBuf;

    fn dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schema/events")
    }

    #[test]
    fn committed_schemas_match_the_code() {
        let update = std::env::var("UPDATE_SCHEMAS").is_ok_and(|v| v == "1");
        let mut differ = Vec::new();
        for (name, schema) in event_schemas() {
            let path = dir().join(&name);
            let want = render(&schema);
            if update {
                std::fs::create_dir_all(dir()).unwrap();
                std::fs::write(&path, &want).unwrap();
            } else if std::fs::read_to_string(&path).ok().as_deref() != Some(want.as_str()) {
                differ.push(name);
            }
        }
        assert!(
            differ.is_empty(),
            "schema/events differs from the code for {differ:?}: run UPDATE_SCHEMAS=1 cargo test -p fundtrail-domain event_schema"
        );
    }

    /// Every file is a current schema, or an older version of a current
    /// event type that an upcaster starts from (kept so stored events of
    /// that version can still be read and checked against their shape).
    #[test]
    fn no_stale_schema_files() {
        let current: BTreeSet<String> = event_schemas().into_iter().map(|(n, _)| n).collect();
        let older = |name: &str| {
            crate::events::UPCASTERS
                .iter()
                .any(|u| name == format!("{}.v{}.json", u.event_type, u.from_version))
        };
        let mut stale = Vec::new();
        for entry in std::fs::read_dir(dir()).expect("schema/events exists") {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            if name.ends_with(".json") && !current.contains(&name) && !older(&name) {
                stale.push(name);
            }
        }
        assert!(
            stale.is_empty(),
            "schema files without a current event type: {stale:?}"
        );
    }

    #[test]
    fn every_event_type_has_one_schema_with_camel_case_fields() {
        let all = event_schemas();
        assert_eq!(all.len(), 27);
        let made = &all
            .iter()
            .find(|(n, _)| n == "PledgeMade.v2.json")
            .unwrap()
            .1;
        let props = made["properties"].as_object().unwrap();
        for f in [
            "pledgeId",
            "donorId",
            "recipientId",
            "roadmapId",
            "allocations",
            "priorityIds",
            "pledgedOn",
        ] {
            assert!(props.contains_key(f), "{f}");
        }
        let required: Vec<&str> = made["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert!(required.contains(&"pledgeId") && !required.contains(&"amount"));
    }
}
