//! Forgetting old runs: by count or by age (a setting), or all at once.

use rusqlite::{Transaction, params};
use serde::{Deserialize, Serialize};

use super::RunId;

/// Which runs the history keeps; runs still going are always kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Retention {
    /// The newest N runs.
    Runs(u32),
    /// Runs that started in the last N days.
    Days(u32),
}

impl Default for Retention {
    /// Generous: a thousand runs, each with as many jobs as it had.
    fn default() -> Self {
        Self::Runs(1_000)
    }
}

/// Deletes the runs `keep` does not cover (and their jobs); returns how
/// many runs went.
pub(crate) fn prune(tx: &Transaction<'_>, keep: Retention, now: f64) -> rusqlite::Result<usize> {
    let doomed = "SELECT id FROM runs WHERE ended_at IS NOT NULL AND ";
    let condition = match keep {
        Retention::Runs(n) => format!("id NOT IN (SELECT id FROM runs ORDER BY id DESC LIMIT {n})"),
        Retention::Days(days) => format!("started_at < {}", now - f64::from(days) * 86_400.0),
    };
    let query = format!("{doomed}{condition}");
    let ids: Vec<i64> = tx
        .prepare(&query)?
        .query_map([], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    delete(tx, &ids)
}

/// Deletes every ended run but those in `keep`; returns how many went.
pub(crate) fn clear(tx: &Transaction<'_>, keep: &[RunId]) -> rusqlite::Result<usize> {
    let ids: Vec<i64> = tx
        .prepare("SELECT id FROM runs WHERE ended_at IS NOT NULL")?
        .query_map([], |row| row.get(0))?
        .filter(|id| !id.as_ref().is_ok_and(|id| keep.contains(&RunId(*id))))
        .collect::<Result<_, _>>()?;
    delete(tx, &ids)
}

fn delete(tx: &Transaction<'_>, ids: &[i64]) -> rusqlite::Result<usize> {
    let mut jobs = tx.prepare_cached("DELETE FROM jobs WHERE run = ?1")?;
    let mut runs = tx.prepare_cached("DELETE FROM runs WHERE id = ?1")?;
    for id in ids {
        jobs.execute(params![id])?;
        runs.execute(params![id])?;
    }
    Ok(ids.len())
}
