//! Test support (feature `testing`): a fresh PostgreSQL schema per test, from `FUNDTRAIL_TEST_PG_URL`
//! (default `postgres://postgres@127.0.0.1:5432/postgres`). When the server
//! cannot be reached, tests fail under CI (`CI` set) and skip with a printed
//! reason elsewhere.

use crate::{PostgresOptions, PostgresStore};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, Executor, PgConnection};

/// The test server's URL.
pub fn url() -> String {
    std::env::var("FUNDTRAIL_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// Whether this runs under CI (`CI` set and not `false`/`0`).
pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// A schema of its own for one test, dropped when it goes out of scope.
pub struct Schema {
    pub name: String,
}

impl Schema {
    /// A fresh schema name, or `None` (after printing why) when PostgreSQL is
    /// unreachable outside CI. Used by this crate's tests and the end-to-end suite.
    pub async fn fresh() -> Option<Schema> {
        let options: PgConnectOptions = url()
            .parse()
            .expect("FUNDTRAIL_TEST_PG_URL is not a PostgreSQL URL");
        match options.connect().await {
            Ok(conn) => {
                let _ = conn.close().await;
                Some(Schema {
                    name: format!("ft_test_{}", uuid::Uuid::new_v4().simple()),
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

    /// The store on this schema.
    pub async fn open(&self) -> PostgresStore {
        PostgresStore::connect(PostgresOptions::new(url(), self.name.clone()))
            .await
            .expect("connect the postgres store")
    }

    /// A plain connection on this schema, for tampering behind the store's back.
    pub async fn raw(&self) -> PgConnection {
        let options: PgConnectOptions = url().parse().unwrap();
        let mut conn = options
            .options([("search_path", self.name.as_str())])
            .connect()
            .await
            .expect("raw connection");
        conn.execute("SET lock_timeout = '30s'").await.unwrap();
        conn
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop the schema from a thread of its own: Drop cannot await.
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
                }
            });
        })
        .join();
    }
}
