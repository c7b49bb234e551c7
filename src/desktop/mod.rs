//! jobdeck as a desktop citizen: its launcher entry ([`install`]), the
//! desktop's own file dialog ([`file_dialog`]) and notifications
//! ([`notify`]). The dialog and the notifications each wait on D-Bus on a
//! thread of their own, so the window never does.

pub mod file_dialog;
mod install;
pub mod notify;

pub use install::{
    DESKTOP_ENTRY, DatabaseUpdate, ICON_PNG, ICON_SVG, InstallReport, UPDATE_DATABASE,
    UninstallReport, desktop_entry, install, install_into, uninstall, uninstall_from,
    update_database,
};
