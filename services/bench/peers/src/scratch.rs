//! A PostgreSQL database of its own for each peer's run, created on the
//! URL's database and dropped afterwards.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

/// A database `bench_peers_<random>` and the connection that made it.
pub struct ScratchDatabase {
    /// One connection to the URL's own database, to create and drop.
    admin: PgPool,
    /// The scratch database's name.
    pub name: String,
    /// The URL's options pointed at the scratch database.
    pub options: PgConnectOptions,
}

impl ScratchDatabase {
    /// Creates a fresh database on the server of `url`; an unreachable
    /// server is an error.
    pub async fn create(url: &str) -> Result<Self, String> {
        let base = PgConnectOptions::from_str(url).map_err(|e| format!("--pg-url: {e}"))?;
        let admin = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(base.clone())
            .await
            .map_err(|e| format!("postgres at {url}: {e}"))?;
        let name = format!("bench_peers_{}", random_suffix());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&admin)
            .await
            .map_err(|e| format!("CREATE DATABASE {name}: {e}"))?;
        let options = base.database(&name);
        Ok(Self {
            admin,
            name,
            options,
        })
    }

    /// The server's `synchronous_commit`, for the record.
    pub async fn synchronous_commit(&self) -> Result<String, String> {
        sqlx::query_scalar("SHOW synchronous_commit")
            .fetch_one(&self.admin)
            .await
            .map_err(|e| e.to_string())
    }

    /// Drops the database, closing whatever connections are still open on it.
    pub async fn drop_database(self) -> Result<(), String> {
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let dropped = sqlx::query(&sql).execute(&self.admin).await;
        self.admin.close().await;
        dropped.map(|_| ()).map_err(|e| format!("{sql}: {e}"))
    }
}

/// Sixteen hex digits from std's randomly seeded hasher (no RNG crate).
fn random_suffix() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    format!("{:016x}", hasher.finish())
}

/// A pool of `connections` to the (fresh) database of `options`; `peer`
/// names who asks, in the error.
pub async fn pool(
    options: PgConnectOptions,
    connections: u32,
    peer: &str,
) -> Result<PgPool, String> {
    PgPoolOptions::new()
        .max_connections(connections)
        .connect_with(options)
        .await
        .map_err(|e| format!("{peer} pool: {e}"))
}
