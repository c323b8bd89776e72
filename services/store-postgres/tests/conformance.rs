//! The shared conformance suite against PostgreSQL.

mod support;

use async_trait::async_trait;
use fundtrail_store_conformance::{Harness, conformance_suite, restore_suite};
use fundtrail_store_postgres::PostgresStore;
use support::Schema;

struct Postgres {
    store: PostgresStore,
    schema: Schema,
}

#[async_trait]
impl Harness for Postgres {
    type Store = PostgresStore;

    async fn fresh() -> Option<Self> {
        let schema = Schema::fresh().await?;
        let store = schema.open().await;
        Some(Postgres { store, schema })
    }

    fn store(&self) -> PostgresStore {
        self.store.clone()
    }

    async fn reopen(&mut self) {
        self.store.close().await;
        self.store = self.schema.open().await;
    }

    async fn tamper_payload(&self, position: u64, payload: &str) {
        let done = sqlx::query("UPDATE events SET payload = $1 WHERE position = $2")
            .bind(payload)
            .bind(position as i64)
            .execute(&mut self.schema.raw().await)
            .await
            .unwrap();
        assert_eq!(done.rows_affected(), 1);
    }

    async fn delete_event(&self, position: u64) {
        let done = sqlx::query("DELETE FROM events WHERE position = $1")
            .bind(position as i64)
            .execute(&mut self.schema.raw().await)
            .await
            .unwrap();
        assert_eq!(done.rows_affected(), 1);
    }
}

conformance_suite!(Postgres);
restore_suite!(Postgres);
