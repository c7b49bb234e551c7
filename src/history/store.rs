//! Opening the database file: settings, migrations, and a damaged file
//! moved aside rather than in the way.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, ErrorCode, OpenFlags};

use super::HistoryError;
use super::schema;

/// How long a statement waits for another jobdeck's write to finish before
/// it gives up. A writer holds the lock for one batch (well under a second),
/// so this is only ever reached when something is badly stuck.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A database ready for use, and what happened on the way.
pub(crate) struct Opened {
    pub(crate) conn: Connection,
    /// Said once to the person: a damaged file moved aside, for example.
    pub(crate) notices: Vec<String>,
}

/// Opens (creating it if need be) the store at `path`, migrated to the
/// current schema. A file that is not a database, or a damaged one, is
/// renamed `<name>.corrupt-<unix time>` (with its `-wal` and `-shm`) and a
/// new one is made in its place; the notice says so.
///
/// # Errors
/// [`HistoryError::Unavailable`] when the folder or file cannot be written,
/// [`HistoryError::Newer`] for a newer schema, [`HistoryError::InUse`] when
/// another process holds the database too long.
pub(crate) fn open(path: &Path) -> Result<Opened, HistoryError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|error| HistoryError::Unavailable {
            path: path.to_path_buf(),
            reason: error.to_string(),
        })?;
    }
    match open_checked(path) {
        Err(error) if is_corruption(&error) => {
            let aside = move_aside(path)?;
            let reason = error.to_string();
            let conn = open_checked(path).map_err(|error| classify(path, error))?;
            Ok(Opened {
                conn,
                notices: vec![format!(
                    "the history database was damaged ({reason}); it was moved aside to {} and a new history starts now",
                    aside.display()
                )],
            })
        }
        Err(error) => Err(classify(path, error)),
        Ok(conn) => Ok(Opened {
            conn,
            notices: Vec::new(),
        }),
    }
}

/// A second connection to a store [`open`] already set up, for reading.
pub(crate) fn open_reader(path: &Path) -> Result<Connection, HistoryError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|error| classify(path, HistoryError::Sqlite(error)))?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(conn)
}

/// Opens, sets up, checks and migrates.
fn open_checked(path: &Path) -> Result<Connection, HistoryError> {
    let mut conn = Connection::open(path)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // Readers never wait for the writer, and a commit costs no fsync (only
    // a checkpoint does): a power cut may lose the last batches, never
    // corrupt the file.
    let mode = use_wal(&conn)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(HistoryError::Unavailable {
            path: path.to_path_buf(),
            reason: format!("the database cannot use write-ahead logging (mode {mode})"),
        });
    }
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // A damaged page shows here rather than in the middle of a run.
    let check: String = conn.query_row("PRAGMA quick_check(1)", [], |row| row.get(0))?;
    if check != "ok" {
        return Err(HistoryError::Damaged(check));
    }
    schema::migrate(&mut conn)?;
    Ok(conn)
}

/// Puts the database in write-ahead logging and returns the mode it is in.
/// Changing the journal mode takes a lock that `SQLite` does not wait for
/// (the busy handler is not called): when another jobdeck is creating the
/// same history at this moment, this tries again until [`BUSY_TIMEOUT`],
/// as a busy handler would.
fn use_wal(conn: &Connection) -> rusqlite::Result<String> {
    let deadline = Instant::now() + BUSY_TIMEOUT;
    loop {
        match conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0)) {
            Err(error)
                if matches!(
                    error.sqlite_error_code(),
                    Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
                ) && Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(5));
            }
            mode => return mode,
        }
    }
}

/// Whether `error` means the file is not a usable database, as opposed to
/// one we may not write or that is busy.
fn is_corruption(error: &HistoryError) -> bool {
    match error {
        HistoryError::Damaged(_) => true,
        HistoryError::Sqlite(error) => matches!(
            error.sqlite_error_code(),
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt)
        ),
        _ => false,
    }
}

/// Turns `SQLite`'s "cannot open", "read-only" and "busy" into errors that
/// say what they mean for the person.
fn classify(path: &Path, error: HistoryError) -> HistoryError {
    let HistoryError::Sqlite(sqlite) = &error else {
        return error;
    };
    match sqlite.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => HistoryError::InUse {
            path: path.to_path_buf(),
        },
        Some(
            ErrorCode::CannotOpen
            | ErrorCode::ReadOnly
            | ErrorCode::PermissionDenied
            | ErrorCode::DiskFull
            | ErrorCode::SystemIoFailure,
        ) => HistoryError::Unavailable {
            path: path.to_path_buf(),
            reason: sqlite.to_string(),
        },
        _ => error,
    }
}

/// Renames the database and its side files to `<name>.corrupt-<time>`;
/// returns the new name of the database.
fn move_aside(path: &Path) -> Result<PathBuf, HistoryError> {
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let aside = with_suffix(path, &format!(".corrupt-{stamp}"));
    std::fs::rename(path, &aside).map_err(|error| HistoryError::Unavailable {
        path: path.to_path_buf(),
        reason: format!("it is damaged and cannot be moved aside: {error}"),
    })?;
    for side in ["-wal", "-shm"] {
        let from = with_suffix(path, side);
        if from.exists() {
            // A side file left behind would be read with the new database.
            let to = with_suffix(&aside, side);
            if std::fs::rename(&from, &to).is_err() {
                let _ = std::fs::remove_file(&from);
            }
        }
    }
    Ok(aside)
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}
