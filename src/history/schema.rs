//! The store's schema and its migrations.
//!
//! The schema's version is `SQLite`'s `user_version`: 0 for a new file, then
//! the number of migrations applied. Opening a store applies the ones it
//! lacks, each in its own transaction together with the new version, so a
//! crash mid-migration leaves the old version intact. Migrations are never
//! edited once released: a change is a new one at the end.

use rusqlite::{Connection, Transaction};

use super::HistoryError;

/// Each migration takes the schema from version `index` to `index + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: runs and what their jobs did.
    "CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        file TEXT,
        file_hash TEXT,
        max_threads INTEGER NOT NULL,
        version TEXT NOT NULL,
        started_at REAL NOT NULL,
        ended_at REAL,
        ended_how TEXT
    );
    CREATE TABLE jobs (
        id INTEGER PRIMARY KEY,
        uuid TEXT NOT NULL,
        run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        name TEXT NOT NULL,
        spec TEXT NOT NULL,
        state TEXT NOT NULL,
        attempt INTEGER NOT NULL DEFAULT 0,
        exit_code INTEGER,
        signal INTEGER,
        error TEXT,
        output TEXT,
        queued_at REAL NOT NULL,
        started_at REAL,
        ended_at REAL,
        worker INTEGER,
        log_path TEXT
    );
    CREATE INDEX jobs_by_run ON jobs(run, seq);",
    // 2: what crash recovery and resume need: who ran a run (to tell a
    // crashed run from one another jobdeck is running), which run it
    // resumed, the process of a running attempt, and the last progress.
    "ALTER TABLE runs ADD COLUMN owner_pid INTEGER;
    ALTER TABLE runs ADD COLUMN owner_start INTEGER;
    ALTER TABLE runs ADD COLUMN resumed_from INTEGER;
    ALTER TABLE jobs ADD COLUMN pid INTEGER;
    ALTER TABLE jobs ADD COLUMN pgid INTEGER;
    ALTER TABLE jobs ADD COLUMN process_start INTEGER;
    ALTER TABLE jobs ADD COLUMN progress REAL;
    CREATE INDEX runs_by_file ON runs(file, id);",
    // 3: a cluster job's id for its current attempt (Slurm's job id), so a
    // resume follows a run still in flight instead of submitting another.
    "ALTER TABLE jobs ADD COLUMN remote_id TEXT;",
];

/// The schema version this jobdeck writes.
#[allow(clippy::cast_possible_truncation)] // Three migrations, not four billion.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// The schema version of the open database.
pub(crate) fn version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.query_row("PRAGMA user_version", [], |row| row.get(0))
}

/// Brings the schema up to [`SCHEMA_VERSION`]. Returns the version it found.
///
/// # Errors
/// [`HistoryError::Newer`] for a database written by a newer jobdeck (left
/// untouched); `SQLite`'s error when a migration fails (then rolled back).
pub(crate) fn migrate(conn: &mut Connection) -> Result<u32, HistoryError> {
    let found = version(conn)?;
    if found > SCHEMA_VERSION {
        return Err(HistoryError::Newer {
            found,
            known: SCHEMA_VERSION,
        });
    }
    for (version_before, sql) in (0..SCHEMA_VERSION).zip(MIGRATIONS).skip(found as usize) {
        // IMMEDIATE takes the write lock first, so two jobdecks starting at
        // once migrate one after the other instead of failing half-way.
        let tx = Transaction::new(conn, rusqlite::TransactionBehavior::Immediate)?;
        // Another process may have migrated while this one waited.
        if version(&tx)? > version_before {
            continue;
        }
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version_before + 1)?;
        tx.commit()?;
    }
    Ok(found)
}
