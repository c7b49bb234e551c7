//! The desktop's own file dialog (rfd: the XDG desktop portal, or zenity
//! where no portal answers), run on a thread of its own so the window keeps
//! drawing while it is open. Where neither can be had (a bare X server, a
//! session without D-Bus) the answer says so, and the window's typed path
//! stays the way in.

use std::path::{Path, PathBuf};

use crossbeam_channel::Receiver;

/// The portal's well-known name on the session bus.
const PORTAL: &str = "org.freedesktop.portal.Desktop";

/// rfd's fallback where no portal answers: the GTK dialog program.
const ZENITY: &str = "zenity";

/// What a dialog is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PickWhat {
    /// A job file (`*.toml` first, any file allowed).
    JobFile,
    /// A folder, to run a command in.
    Directory,
}

/// What came of a dialog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Picked {
    /// The person chose this path.
    Chosen(PathBuf),
    /// The person closed the dialog without choosing.
    Cancelled,
    /// No dialog can be shown here, for this reason.
    Unavailable(String),
}

/// Called once the answer is ready, so the window draws a frame for it.
pub type Wake = Box<dyn FnOnce() + Send>;

/// Shows a file dialog; the window holds one (tests hand it a scripted
/// one).
pub trait FilePicker {
    /// Opens a dialog for `what`, starting in `start_in`; the answer comes
    /// on the returned channel, after `wake` is called.
    fn pick(&self, what: PickWhat, start_in: Option<&Path>, wake: Wake) -> Receiver<Picked>;
}

/// The desktop's dialog, each on a thread `jobdeck-file-dialog` of its own.
#[derive(Clone, Copy, Debug, Default)]
pub struct NativePicker;

impl FilePicker for NativePicker {
    fn pick(&self, what: PickWhat, start_in: Option<&Path>, wake: Wake) -> Receiver<Picked> {
        let (send, answer) = crossbeam_channel::bounded(1);
        let start_in = start_in.map(Path::to_path_buf);
        let spawned = std::thread::Builder::new()
            .name("jobdeck-file-dialog".to_owned())
            .spawn(move || {
                let picked = pick_now(what, start_in.as_deref());
                // The window may have closed meanwhile: nobody to tell.
                let _ = send.send(picked);
                wake();
            });
        if let Err(err) = spawned {
            let (send, refused) = crossbeam_channel::bounded(1);
            let _ = send.send(Picked::Unavailable(format!(
                "no thread for the file dialog: {err}"
            )));
            return refused;
        }
        answer
    }
}

/// Shows the dialog and waits for the person (on the dialog's thread).
fn pick_now(what: PickWhat, start_in: Option<&Path>) -> Picked {
    if let Err(why) = dialog_available() {
        return Picked::Unavailable(why);
    }
    let mut dialog = rfd::FileDialog::new();
    if let Some(dir) = start_in {
        dialog = dialog.set_directory(dir);
    }
    let chosen = match what {
        PickWhat::JobFile => dialog
            .set_title("Open job file")
            .add_filter("Job files", &["toml"])
            .add_filter("All files", &["*"])
            .pick_file(),
        PickWhat::Directory => dialog.set_title("Working directory").pick_folder(),
    };
    chosen.map_or(Picked::Cancelled, Picked::Chosen)
}

/// Whether rfd can show a dialog here: zenity is installed, or the session
/// bus has (or can start) the desktop portal. rfd itself answers "nothing
/// chosen" alike for a cancelled dialog and for none at all, so this is
/// asked first; the error says what is missing.
pub fn dialog_available() -> Result<(), String> {
    if on_path(ZENITY) {
        return Ok(());
    }
    // The bus's own error is left out: "no session bus" says what matters.
    match portal_on_session_bus() {
        Ok(true) => Ok(()),
        Ok(false) => Err(format!(
            "No file dialog here: the session bus has no desktop portal and {ZENITY} is not installed"
        )),
        Err(_) => Err(format!(
            "No file dialog here: there is no D-Bus session bus and {ZENITY} is not installed"
        )),
    }
}

/// Whether the portal runs on the session bus, or the bus starts it on
/// demand.
fn portal_on_session_bus() -> zbus::Result<bool> {
    let bus = zbus::blocking::Connection::session()?;
    let dbus = zbus::blocking::fdo::DBusProxy::new(&bus)?;
    let name = zbus::names::BusName::try_from(PORTAL)?;
    if dbus.name_has_owner(name)? {
        return Ok(true);
    }
    Ok(dbus
        .list_activatable_names()?
        .iter()
        .any(|activatable| activatable.as_str() == PORTAL))
}

/// Whether an executable named `program` is on `PATH`.
fn on_path(program: &str) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| {
            dir.join(program)
                .metadata()
                .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
        })
    })
}

/// A path typed by a person, as the absolute path it stands for: a
/// relative one (or `~/...`) is taken from `home`.
#[must_use]
pub fn resolve_typed(typed: &str, home: &Path) -> PathBuf {
    let typed = typed.trim();
    if typed == "~" {
        return home.to_path_buf();
    }
    if let Some(rest) = typed.strip_prefix("~/") {
        return home.join(rest);
    }
    let path = Path::new(typed);
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        home.join(path)
    }
}

/// The person's home folder, where typed relative paths start; jobdeck's
/// own directory when there is no home (no `HOME`, no passwd entry).
#[must_use]
pub fn home_dir() -> PathBuf {
    // Through its components, so `HOME=/root/` reads `/root`.
    directories::BaseDirs::new()
        .map(|dirs| dirs.home_dir().components().collect())
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_else(|| PathBuf::from("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_paths_start_at_home() {
        let home = Path::new("/home/x");
        assert_eq!(
            resolve_typed("jobs.toml", home),
            Path::new("/home/x/jobs.toml")
        );
        assert_eq!(
            resolve_typed(" runs/a.toml ", home),
            Path::new("/home/x/runs/a.toml")
        );
        assert_eq!(resolve_typed("~/a.toml", home), Path::new("/home/x/a.toml"));
        assert_eq!(resolve_typed("~", home), home);
        assert_eq!(resolve_typed("/etc/a.toml", home), Path::new("/etc/a.toml"));
        assert_eq!(resolve_typed("", home), home);
    }

    #[test]
    fn programs_are_found_on_path() {
        assert!(on_path("sh"));
        assert!(!on_path("jobdeck-no-such-program"));
    }
}
