//! The size of a request document, bounded before the schema validates it.
//!
//! async-graphql's own limits (depth, complexity, recursion, directives; see
//! [`super::build_schema`]) are checked by walking the document with every
//! fragment spread expanded where it is used, without memory of fragments
//! already walked: thirty fragments that each spread the next one twice make
//! a 1 KB query that takes 2^30 steps to check, and `__typename` (or an
//! introspection field) costs nothing in complexity, so ten thousand aliases
//! of it pass. [`check`] counts the document first, in one pass that
//! remembers each fragment's size, and refuses with `BAD_USER_INPUT` (and
//! `extensions.limit` naming the bound) a document with
//! - more than [`MAX_ALIASES`] aliased fields,
//! - more than [`MAX_SELECTIONS`] selections (fields, fragment spreads and
//!   inline fragments),
//!
//! both counted with fragments expanded where they are spread (and each
//! fragment definition once more on its own, as validation walks it too);
//! - selection sets nested deeper than [`super::MAX_RECURSIVE_DEPTH`]
//!   (fragments included), or a fragment that spreads itself.
//!
//! It runs for every request, over HTTP and websockets
//! ([`super::guarded::GuardedSchema::prepare`]), and the parsed document is
//! kept so the schema does not parse it again.

use std::collections::{HashMap, HashSet};

use async_graphql::ServerError;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

use super::MAX_RECURSIVE_DEPTH;

/// Most aliased fields in one request document.
pub const MAX_ALIASES: usize = 200;
/// Most selections (fields, fragment spreads, inline fragments) in one
/// request document, fragments expanded where they are spread.
pub const MAX_SELECTIONS: usize = 2_000;

/// Why a document is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Aliases,
    Selections,
    Depth,
    FragmentCycle(String),
}

impl Refusal {
    /// `extensions.limit` of the refusal.
    pub fn limit(&self) -> &'static str {
        match self {
            Refusal::Aliases => "aliases",
            Refusal::Selections => "selections",
            Refusal::Depth => "depth",
            Refusal::FragmentCycle(_) => "fragmentCycle",
        }
    }

    pub fn message(&self) -> String {
        match self {
            Refusal::Aliases => format!(
                "the query has more than {MAX_ALIASES} aliased fields (fragments counted where they are spread); send several smaller requests"
            ),
            Refusal::Selections => format!(
                "the query selects more than {MAX_SELECTIONS} fields (fragments counted where they are spread); send several smaller requests"
            ),
            Refusal::Depth => format!(
                "the query nests selections deeper than {MAX_RECURSIVE_DEPTH} levels (fragments included)"
            ),
            Refusal::FragmentCycle(name) => {
                format!("fragment {name} spreads itself, directly or through other fragments")
            }
        }
    }

    pub(crate) fn into_server_error(self) -> ServerError {
        let mut error = ServerError::new(self.message(), None);
        let mut extensions = async_graphql::ErrorExtensionValues::default();
        extensions.set("code", super::errors::BAD_USER_INPUT);
        extensions.set("limit", self.limit());
        error.extensions = Some(extensions);
        error
    }
}

/// The size of a selection set with its fragments expanded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Size {
    selections: usize,
    aliases: usize,
    /// How many selection sets deep it goes below this one.
    height: usize,
}

impl Size {
    fn add(&mut self, other: Size) {
        self.selections = self.selections.saturating_add(other.selections);
        self.aliases = self.aliases.saturating_add(other.aliases);
    }

    fn check(&self) -> Result<(), Refusal> {
        if self.aliases > MAX_ALIASES {
            Err(Refusal::Aliases)
        } else if self.selections > MAX_SELECTIONS {
            Err(Refusal::Selections)
        } else {
            Ok(())
        }
    }
}

struct Walk<'a> {
    document: &'a ExecutableDocument,
    fragments: HashMap<&'a str, Size>,
    walking: HashSet<&'a str>,
}

impl<'a> Walk<'a> {
    /// The size of `set`, found at nesting `depth`.
    fn set(&mut self, set: &'a SelectionSet, depth: usize) -> Result<Size, Refusal> {
        if depth > MAX_RECURSIVE_DEPTH {
            return Err(Refusal::Depth);
        }
        let mut size = Size::default();
        for item in &set.items {
            size.selections += 1;
            let below = match &item.node {
                Selection::Field(field) => {
                    if field.node.alias.is_some() {
                        size.aliases += 1;
                    }
                    let sub = &field.node.selection_set.node;
                    if sub.items.is_empty() {
                        None
                    } else {
                        Some(self.set(sub, depth + 1)?)
                    }
                }
                Selection::FragmentSpread(spread) => {
                    Some(self.fragment(&spread.node.fragment_name.node, depth + 1)?)
                }
                Selection::InlineFragment(inline) => {
                    Some(self.set(&inline.node.selection_set.node, depth + 1)?)
                }
            };
            if let Some(below) = below {
                size.add(below);
                size.height = size.height.max(below.height + 1);
            }
            size.check()?;
        }
        Ok(size)
    }

    /// The size of the fragment `name`'s selection set, spread at `depth`.
    fn fragment(&mut self, name: &'a str, depth: usize) -> Result<Size, Refusal> {
        if let Some(size) = self.fragments.get(name) {
            if depth + size.height > MAX_RECURSIVE_DEPTH {
                return Err(Refusal::Depth);
            }
            return Ok(*size);
        }
        // An unknown fragment is validation's to report.
        let Some((key, definition)) = self.document.fragments.get_key_value(name) else {
            return Ok(Size::default());
        };
        if !self.walking.insert(key.as_str()) {
            return Err(Refusal::FragmentCycle(name.to_owned()));
        }
        let size = self.set(&definition.node.selection_set.node, depth)?;
        self.walking.remove(key.as_str());
        self.fragments.insert(key.as_str(), size);
        Ok(size)
    }
}

/// Checks a parsed document against the limits above.
pub fn check(document: &ExecutableDocument) -> Result<(), Refusal> {
    let mut walk = Walk {
        document,
        fragments: HashMap::new(),
        walking: HashSet::new(),
    };
    let mut total = Size::default();
    for (_, operation) in document.operations.iter() {
        total.add(walk.set(&operation.node.selection_set.node, 0)?);
        total.check()?;
    }
    for name in document.fragments.keys() {
        total.add(walk.fragment(name.as_str(), 0)?);
        total.check()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(query: &str) -> Result<(), Refusal> {
        check(&async_graphql::parser::parse_query(query).expect("a query that parses"))
    }

    fn aliases(n: usize) -> String {
        let fields: Vec<String> = (0..n).map(|i| format!("a{i}: __typename")).collect();
        format!("{{ {} }}", fields.join(" "))
    }

    #[test]
    fn aliases_up_to_the_limit_pass() {
        assert_eq!(checked(&aliases(MAX_ALIASES)), Ok(()));
        assert_eq!(checked(&aliases(MAX_ALIASES + 1)), Err(Refusal::Aliases));
    }

    #[test]
    fn aliases_in_fragments_count_where_they_are_spread() {
        let fragment = format!(
            "fragment F on Query {{ {} }}",
            (0..60)
                .map(|i| format!("a{i}: __typename"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        // 60 in the definition, 60 per spread.
        assert_eq!(checked(&format!("{{ ...F ...F }} {fragment}")), Ok(()));
        assert_eq!(
            checked(&format!("{{ ...F ...F ...F ...F }} {fragment}")),
            Err(Refusal::Aliases)
        );
    }

    #[test]
    fn selections_are_counted_without_aliases_too() {
        let query = format!("{{ {} }}", "__typename ".repeat(MAX_SELECTIONS + 1));
        assert_eq!(checked(&query), Err(Refusal::Selections));
        let query = format!("{{ {} }}", "__typename ".repeat(MAX_SELECTIONS));
        assert_eq!(checked(&query), Ok(()));
    }

    /// Each fragment spreads the next twice: 2^40 fields once expanded,
    /// counted in 40 steps.
    #[test]
    fn fragments_that_double_are_refused_at_once() {
        let mut query = String::from("{ ...F0 }\n");
        for i in 0..40 {
            query.push_str(&format!(
                "fragment F{i} on Query {{ ...F{n} ...F{n} }}\n",
                n = i + 1
            ));
        }
        query.push_str("fragment F40 on Query { __typename }\n");
        let started = std::time::Instant::now();
        assert_eq!(checked(&query), Err(Refusal::Depth));
        // Shallow enough, but too wide.
        let mut query = String::from("{ ...F0 }\n");
        for i in 0..20 {
            query.push_str(&format!(
                "fragment F{i} on Query {{ ...F{n} ...F{n} }}\n",
                n = i + 1
            ));
        }
        query.push_str("fragment F20 on Query { __typename }\n");
        assert_eq!(checked(&query), Err(Refusal::Selections));
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn fragment_cycles_and_long_chains() {
        assert_eq!(
            checked("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }"),
            Err(Refusal::FragmentCycle("A".into()))
        );
        // A chain longer than the recursion limit, used or not.
        let mut query = String::from("{ __typename }\n");
        for i in 0..1_000 {
            query.push_str(&format!("fragment F{i} on Query {{ ...F{} }}\n", i + 1));
        }
        query.push_str("fragment F1000 on Query { __typename }\n");
        assert_eq!(checked(&query), Err(Refusal::Depth));
    }

    #[test]
    fn ordinary_queries_pass() {
        for query in [
            "{ roadmaps { id priorities { id requirement { amount currency } } } }",
            "query Q($id: ID!) { pledge(id: $id) { ...P history { hash } } } fragment P on Pledge { id version amount { amount } }",
            "{ a: roadmaps { id } b: roadmaps { title } }",
            INTROSPECTION,
        ] {
            assert_eq!(checked(query), Ok(()), "{query}");
        }
    }

    /// GraphiQL's introspection query (graphql-js `getIntrospectionQuery()`).
    pub const INTROSPECTION: &str = r#"
    query IntrospectionQuery {
      __schema {
        queryType { name }
        mutationType { name }
        subscriptionType { name }
        types { ...FullType }
        directives { name description locations args { ...InputValue } }
      }
    }
    fragment FullType on __Type {
      kind name description
      fields(includeDeprecated: true) {
        name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason
      }
      inputFields { ...InputValue }
      interfaces { ...TypeRef }
      enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
      possibleTypes { ...TypeRef }
    }
    fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
    fragment TypeRef on __Type {
      kind name
      ofType { kind name ofType { kind name ofType { kind name ofType { kind name
        ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }
    }
    "#;
}
