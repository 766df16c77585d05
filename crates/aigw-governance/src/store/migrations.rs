//! The schema, built into the binary and applied at start by sqlx's migrator. The files are
//! embedded by hand (a `MigrationSource` over `include_str!`) rather than by `sqlx::migrate!`:
//! the macro needs sqlx's proc-macro crate, which compiles both database drivers a second
//! time for the host.

use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};
use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;

const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "keys", include_str!("../../migrations/0001_keys.sql")),
    (2, "spend", include_str!("../../migrations/0002_spend.sql")),
];

#[derive(Debug)]
struct Embedded;

impl MigrationSource<'static> for Embedded {
    fn resolve(
        self,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send + 'static>> {
        Box::pin(async {
            Ok(MIGRATIONS
                .iter()
                .map(|(version, description, sql)| {
                    Migration::new(
                        *version,
                        Cow::Borrowed(*description),
                        MigrationType::Simple,
                        Cow::Borrowed(*sql),
                        false,
                    )
                })
                .collect())
        })
    }
}

/// The migrator over the embedded files.
pub async fn migrator() -> Result<Migrator, sqlx::migrate::MigrateError> {
    Migrator::new(Embedded).await
}
