//! The schema as every face runs it (HTTP and the websocket): the document
//! limits checked before the schema sees a request, a contract code on every
//! error, and parsed documents kept by their text.
//!
//! Why not async-graphql extensions: once a schema has any extension, it
//! wraps the resolution of every field in each extension's `resolve` (two
//! boxed futures per field per extension), even when the extension only
//! looks at the request. Two request-level rules cost that on each of the
//! ~100 fields of a `fundingByPriority` answer; here they run once per
//! request (issue #16, W5 executed).
//!
//! Why keep documents: parsing is the largest single cost of an executed
//! query (a third of the server's time on the dashboard query). Clients send
//! the same document again and again with other variables, and the answer
//! cache forgets every answer when the ledger moves, but a document's parse
//! does not depend on the ledger. Only documents that parsed and passed the
//! limits are kept, so a kept document needs no second check.

use std::sync::Arc;

use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Data, Executor, Request, Response};
use futures::StreamExt;
use futures::stream::BoxStream;
use quick_cache::Weighter;
use quick_cache::sync::Cache;

use super::{FundtrailSchemaInner, errors, limits};

/// Longest document text kept parsed; longer ones are parsed every time.
pub const MAX_KEPT_DOCUMENT: usize = 16 * 1024;
/// Bytes of document text kept parsed in all (parsed, a document takes a few
/// times its text).
pub const KEPT_DOCUMENT_BYTES: u64 = 2 * 1024 * 1024;

/// Weighs a kept document by its text.
#[derive(Clone)]
struct TextLength;

impl Weighter<String, Arc<ExecutableDocument>> for TextLength {
    fn weight(&self, key: &String, _: &Arc<ExecutableDocument>) -> u64 {
        key.len() as u64
    }
}

/// The schema with the rules above; cheap to clone (shared inside).
#[derive(Clone)]
pub struct GuardedSchema {
    schema: FundtrailSchemaInner,
    documents: Arc<Cache<String, Arc<ExecutableDocument>, TextLength>>,
}

/// A request whose document is parsed and within the limits.
pub struct Prepared(Request);

impl Prepared {
    pub fn request(&mut self) -> &mut Request {
        &mut self.0
    }
}

impl GuardedSchema {
    pub(super) fn new(schema: FundtrailSchemaInner) -> Self {
        GuardedSchema {
            schema,
            documents: Arc::new(Cache::with_weighter(256, KEPT_DOCUMENT_BYTES, TextLength)),
        }
    }

    /// Parses the request's document (or takes the one kept for its text)
    /// and checks it against the limits; the error says why not.
    pub fn prepare(&self, mut request: Request) -> Result<Prepared, Box<Response>> {
        if let Some(document) = self.documents.get(request.query.as_str()) {
            request.set_parsed_query(document.as_ref().clone());
            return Ok(Prepared(request));
        }
        let checked = request.parsed_query().and_then(|document| {
            limits::check(document).map_err(limits::Refusal::into_server_error)
        });
        if let Err(error) = checked {
            return Err(Box::new(coded(Response::from_errors(vec![error]))));
        }
        if request.query.len() <= MAX_KEPT_DOCUMENT
            && let Ok(document) = request.parsed_query()
        {
            let kept = Arc::new(document.clone());
            self.documents.insert(request.query.clone(), kept);
        }
        Ok(Prepared(request))
    }

    /// Runs a prepared request.
    pub async fn execute_prepared(&self, prepared: Prepared) -> Response {
        coded(self.schema.execute(prepared.0).await)
    }

    /// Prepares and runs a request.
    pub async fn execute(&self, request: impl Into<Request>) -> Response {
        match self.prepare(request.into()) {
            Ok(prepared) => self.execute_prepared(prepared).await,
            Err(refused) => *refused,
        }
    }

    /// How many parsed documents are kept.
    pub fn kept_documents(&self) -> usize {
        self.documents.len()
    }

    /// The schema's SDL.
    pub fn sdl(&self) -> String {
        self.schema.sdl()
    }
}

fn coded(mut response: Response) -> Response {
    errors::code_errors(&mut response.errors);
    response
}

impl Executor for GuardedSchema {
    async fn execute(&self, request: Request) -> Response {
        GuardedSchema::execute(self, request).await
    }

    fn execute_stream(
        &self,
        request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        match self.prepare(request) {
            Ok(prepared) => {
                let stream: BoxStream<'static, Response> = match session_data {
                    Some(data) => self
                        .schema
                        .execute_stream_with_session_data(prepared.0, data)
                        .boxed(),
                    None => self.schema.execute_stream(prepared.0).boxed(),
                };
                stream.map(coded).boxed()
            }
            Err(refused) => futures::stream::once(async move { *refused }).boxed(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::ServerError;

    #[test]
    fn a_refusal_carries_a_contract_code() {
        let response = coded(Response::from_errors(vec![ServerError::new("no", None)]));
        let code = response.errors[0]
            .extensions
            .as_ref()
            .and_then(|e| e.get("code"))
            .cloned();
        assert_eq!(
            code,
            Some(async_graphql::Value::from(errors::BAD_USER_INPUT))
        );
    }
}
