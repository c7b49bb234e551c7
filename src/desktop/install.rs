//! Installs jobdeck into the desktop launcher, for the current user: a
//! `.desktop` entry whose `Exec` is this very binary (`open %f`, so a file
//! manager can open job files with it), and the icon, under
//! `$XDG_DATA_HOME` (or `~/.local/share`) as the freedesktop.org
//! specifications lay out; then the desktop database is updated so the
//! entry's `MimeType` counts at once.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context as _;

/// The icon as a 256×256 PNG (also the window's icon).
pub const ICON_PNG: &[u8] = include_bytes!("../../assets/jobdeck.png");

/// The icon as SVG, for launchers that scale.
pub const ICON_SVG: &[u8] = include_bytes!("../../assets/jobdeck.svg");

/// The desktop entry shipped in `assets/`, with `Exec=jobdeck open %f`.
pub const DESKTOP_ENTRY: &str = include_str!("../../assets/jobdeck.desktop");

/// Where each installed file goes, relative to the data directory.
const APPLICATIONS: &str = "applications";
/// What [`UPDATE_DATABASE`] writes in the applications folder.
const MIME_CACHE: &str = "mimeinfo.cache";
const ENTRY_PATH: &str = "applications/jobdeck.desktop";
const PNG_PATH: &str = "icons/hicolor/256x256/apps/jobdeck.png";
const SVG_PATH: &str = "icons/hicolor/scalable/apps/jobdeck.svg";

/// The program that indexes the entries' `MimeType`s (desktop-file-utils).
pub const UPDATE_DATABASE: &str = "update-desktop-database";

/// What came of updating the desktop database after an install or an
/// uninstall.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatabaseUpdate {
    /// [`UPDATE_DATABASE`] ran on the applications folder.
    Updated,
    /// [`UPDATE_DATABASE`] is not installed: launchers that read the
    /// entries themselves still find it, others once it runs.
    ProgramAbsent,
    /// It ran and failed, saying this.
    Failed(String),
}

impl std::fmt::Display for DatabaseUpdate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Updated => write!(f, "ran {UPDATE_DATABASE}"),
            Self::ProgramAbsent => write!(
                f,
                "{UPDATE_DATABASE} is not installed (package desktop-file-utils), so the \
                 file manager may offer jobdeck for job files only after its next update"
            ),
            Self::Failed(why) => write!(f, "{UPDATE_DATABASE} failed: {why}"),
        }
    }
}

/// What [`install`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstallReport {
    /// The desktop entry's path.
    pub entry: PathBuf,
    /// The icons' paths (PNG, then SVG).
    pub icons: Vec<PathBuf>,
    /// The program the entry launches.
    pub exec: PathBuf,
    /// Whether the desktop database knows the entry's `MimeType` now.
    pub database: DatabaseUpdate,
}

/// What [`uninstall`] removed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UninstallReport {
    /// Files that existed and are gone now; empty when nothing was installed.
    pub removed: Vec<PathBuf>,
    /// Whether the desktop database forgot the entry (`None` when there was
    /// no entry to forget).
    pub database: Option<DatabaseUpdate>,
}

/// Installs the entry and icons for the running binary into the user's data
/// directory.
///
/// # Errors
/// When neither `XDG_DATA_HOME` nor `HOME` is set, the binary's path is
/// unknown, or a file cannot be written.
pub fn install() -> anyhow::Result<InstallReport> {
    let exe = std::env::current_exe().context("cannot find this program's own path")?;
    let data_home = data_home()?;
    install_into(&data_home, &exe)
        .with_context(|| format!("cannot install into {}", data_home.display()))
}

/// Removes what [`install`] wrote; files already gone are not an error.
///
/// # Errors
/// When the data directory is unknown or a file cannot be removed.
pub fn uninstall() -> anyhow::Result<UninstallReport> {
    let data_home = data_home()?;
    uninstall_from(&data_home)
        .with_context(|| format!("cannot uninstall from {}", data_home.display()))
}

/// Writes the entry (launching `exe`) and the icons under `data_home`.
///
/// # Errors
/// When a folder cannot be created or a file cannot be written.
pub fn install_into(data_home: &Path, exe: &Path) -> io::Result<InstallReport> {
    let entry = data_home.join(ENTRY_PATH);
    let png = data_home.join(PNG_PATH);
    let svg = data_home.join(SVG_PATH);
    write_file(&png, ICON_PNG)?;
    write_file(&svg, ICON_SVG)?;
    // The entry last: a launcher that sees it finds its icon already there.
    write_file(&entry, desktop_entry(exe).as_bytes())?;
    let database = update_database(&data_home.join(APPLICATIONS));
    Ok(InstallReport {
        entry,
        icons: vec![png, svg],
        exec: exe.to_path_buf(),
        database,
    })
}

/// Removes the entry and icons under `data_home`, and the folders that
/// held only them; then updates the desktop database.
///
/// # Errors
/// When a file exists but cannot be removed.
pub fn uninstall_from(data_home: &Path) -> io::Result<UninstallReport> {
    let mut report = UninstallReport::default();
    for relative in [ENTRY_PATH, PNG_PATH, SVG_PATH] {
        let path = data_home.join(relative);
        match fs::remove_file(&path) {
            Ok(()) => report.removed.push(path),
            Err(error) if error.kind() == io::ErrorKind::NotFound => {}
            Err(error) => return Err(error),
        }
    }
    let applications = data_home.join(APPLICATIONS);
    if report.removed.contains(&data_home.join(ENTRY_PATH)) {
        report.database = Some(update_database(&applications));
        remove_lone_cache(&applications);
    }
    for relative in [ENTRY_PATH, PNG_PATH, SVG_PATH] {
        remove_empty_parents(data_home, &data_home.join(relative));
    }
    Ok(report)
}

/// Removes the desktop database's cache when it is all that is left in
/// `applications`: it indexes nothing then, and an install made the folder.
fn remove_lone_cache(applications: &Path) {
    let Ok(entries) = fs::read_dir(applications) else {
        return;
    };
    let names: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .collect();
    if names == [MIME_CACHE] {
        // Best effort: a cache left behind indexes nothing either way.
        let _ = fs::remove_file(applications.join(MIME_CACHE));
    }
}

/// Removes `path`'s folders up to (not including) `data_home` while they
/// are empty: an install made them, and an empty one says nothing. A
/// folder with anything in it (another program's icon, the database's
/// cache) stays, and so do the ones above it.
fn remove_empty_parents(data_home: &Path, path: &Path) {
    let mut dir = path.parent();
    while let Some(folder) = dir.filter(|d| *d != data_home && d.starts_with(data_home)) {
        if fs::remove_dir(folder).is_err() {
            break;
        }
        dir = folder.parent();
    }
}

/// Runs [`UPDATE_DATABASE`] on `applications`, so launchers and file
/// managers that read its cache see the entries' `MimeType`s.
pub fn update_database(applications: &Path) -> DatabaseUpdate {
    match Command::new(UPDATE_DATABASE).arg(applications).output() {
        Ok(output) if output.status.success() => DatabaseUpdate::Updated,
        Ok(output) => {
            let stderr = String::from_utf8_lossy(&output.stderr);
            DatabaseUpdate::Failed(format!("{} ({})", stderr.trim(), output.status))
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound => DatabaseUpdate::ProgramAbsent,
        Err(error) => DatabaseUpdate::Failed(error.to_string()),
    }
}

/// The shipped desktop entry with `Exec=` running `exe`, with the shipped
/// arguments (`open %f`) after it.
#[must_use]
pub fn desktop_entry(exe: &Path) -> String {
    let program = escape_string(&quote_exec_arg(&exe.to_string_lossy()));
    DESKTOP_ENTRY
        .lines()
        .map(|line| match line.strip_prefix("Exec=") {
            // The shipped program is one plain word; its arguments (field
            // codes like %f) are written as they are.
            Some(shipped) => match shipped.split_once(' ') {
                Some((_, args)) => format!("Exec={program} {args}"),
                None => format!("Exec={program}"),
            },
            None => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// `$XDG_DATA_HOME` when set to an absolute path (the spec says to ignore a
/// relative one), else `$HOME/.local/share`.
fn data_home() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("XDG_DATA_HOME").map(PathBuf::from)
        && dir.is_absolute()
    {
        return Ok(dir);
    }
    let home = std::env::var_os("HOME")
        .filter(|home| !home.is_empty())
        .context("neither XDG_DATA_HOME nor HOME is set: nowhere to install")?;
    Ok(PathBuf::from(home).join(".local/share"))
}

fn write_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    fs::write(path, bytes)
}

/// Quotes one `Exec` argument as the Desktop Entry spec asks: arguments
/// with reserved characters go in double quotes, inside which `"`, `` ` ``,
/// `$` and `\` take a backslash. A literal `%` is always written `%%`.
fn quote_exec_arg(arg: &str) -> String {
    const RESERVED: &[char] = &[
        ' ', '\t', '\n', '"', '\'', '\\', '>', '<', '~', '|', '&', ';', '$', '*', '?', '#', '(',
        ')', '`',
    ];
    let arg = arg.replace('%', "%%");
    if !arg.contains(RESERVED) {
        return arg;
    }
    let mut quoted = String::with_capacity(arg.len() + 2);
    quoted.push('"');
    for c in arg.chars() {
        if matches!(c, '"' | '`' | '$' | '\\') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

/// Escapes a value of type `string` in a desktop entry: the file format
/// itself reads `\\`, `\n`, `\t` and `\r` as escapes, so those characters
/// are written escaped (after the `Exec` quoting, which is the spec's order).
fn escape_string(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '\n' => escaped.push_str("\\n"),
            '\t' => escaped.push_str("\\t"),
            '\r' => escaped.push_str("\\r"),
            _ => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths_are_left_alone() {
        let entry = desktop_entry(Path::new("/usr/local/bin/jobdeck"));
        assert!(
            entry.contains("\nExec=/usr/local/bin/jobdeck open %f\n"),
            "{entry}"
        );
        assert!(entry.contains("\nIcon=jobdeck\n"));
        assert!(entry.starts_with("[Desktop Entry]\n"));
    }

    #[test]
    fn paths_with_spaces_are_quoted() {
        let entry = desktop_entry(Path::new("/home/a b/My Apps/jobdeck"));
        assert!(
            entry.contains("\nExec=\"/home/a b/My Apps/jobdeck\" open %f\n"),
            "{entry}"
        );
    }

    #[test]
    fn reserved_characters_are_escaped_twice_as_the_spec_says() {
        // `$` and `\` take a backslash inside the quotes; then the string
        // escaping doubles every backslash. `%` becomes `%%`.
        assert_eq!(quote_exec_arg("/a$b"), "\"/a\\$b\"");
        assert_eq!(escape_string(&quote_exec_arg("/a\\b")), "\"/a\\\\\\\\b\"");
        assert_eq!(quote_exec_arg("/100%/jobdeck"), "/100%%/jobdeck");
    }

    #[test]
    fn the_entry_opens_job_files() {
        let entry = desktop_entry(Path::new("/opt/100%/jobdeck"));
        assert!(entry.contains("\nMimeType=application/toml;\n"), "{entry}");
        // The program's own `%` is doubled; the field code stays one.
        assert!(
            entry.contains("\nExec=/opt/100%%/jobdeck open %f\n"),
            "{entry}"
        );
    }

    #[test]
    fn the_shipped_icon_is_a_256_pixel_png() {
        assert_eq!(&ICON_PNG[..8], b"\x89PNG\r\n\x1a\n");
        // IHDR's width and height, big-endian, right after its header.
        assert_eq!(&ICON_PNG[16..24], &[0, 0, 1, 0, 0, 0, 1, 0]);
        assert!(String::from_utf8_lossy(ICON_SVG).contains("<svg"));
    }
}
