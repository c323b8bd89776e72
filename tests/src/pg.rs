//! A fresh PostgreSQL schema per test, from `FUNDTRAIL_TEST_PG_URL`
//! (default `postgres://postgres@127.0.0.1:5432/postgres`), dropped when the
//! test ends. When the server cannot be reached, tests fail under CI (`CI`
//! set) and skip with a printed `SKIPPED:` line elsewhere (as
//! `services/store-postgres/tests/support` does).

use fundtrail_store_postgres::{PostgresOptions, PostgresStore};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, Executor};

use crate::in_ci;

pub fn url() -> String {
    std::env::var("FUNDTRAIL_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub struct Schema {
    pub name: String,
}

impl Schema {
    /// A fresh schema name, or `None` (after printing why) when PostgreSQL is
    /// unreachable outside CI.
    pub async fn fresh() -> Option<Schema> {
        let options: PgConnectOptions = url()
            .parse()
            .expect("FUNDTRAIL_TEST_PG_URL is not a PostgreSQL URL");
        match options.connect().await {
            Ok(conn) => {
                let _ = conn.close().await;
                Some(Schema {
                    name: format!("ft_e2e_{}", uuid::Uuid::new_v4().simple()),
                })
            }
            Err(e) if in_ci() => panic!("PostgreSQL at {} is required in CI: {e}", url()),
            Err(e) => {
                eprintln!(
                    "SKIPPED: PostgreSQL at {} is unreachable ({e}); set FUNDTRAIL_TEST_PG_URL",
                    url()
                );
                None
            }
        }
    }

    pub async fn open(&self) -> PostgresStore {
        PostgresStore::connect(PostgresOptions::new(url(), self.name.clone()))
            .await
            .expect("connect the postgres store")
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop the schema from a thread of its own: Drop cannot await, and
        // the test's runtime may be the one calling us.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async move {
                let options: PgConnectOptions = url().parse().expect("a PostgreSQL URL");
                if let Ok(mut conn) = options.connect().await {
                    let _ = conn.execute("SET lock_timeout = '10s'").await;
                    let _ = conn
                        .execute(sqlx::AssertSqlSafe(format!(
                            "DROP SCHEMA IF EXISTS \"{name}\" CASCADE"
                        )))
                        .await;
                    let _ = conn.close().await;
                }
            });
        })
        .join();
    }
}
