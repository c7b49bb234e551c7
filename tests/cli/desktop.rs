//! `jobdeck install-desktop [--uninstall]` into a temporary data directory:
//! an entry that opens job files with this binary, registered in the
//! desktop database where its program is installed, and gone without a
//! trace after `--uninstall`.

use std::path::{Path, PathBuf};

use crate::support::{Scratch, finish};

const ENTRY: &str = "applications/jobdeck.desktop";
const PNG: &str = "icons/hicolor/256x256/apps/jobdeck.png";
const SVG: &str = "icons/hicolor/scalable/apps/jobdeck.svg";

fn assets(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets")
            .join(name),
    )
    .unwrap()
}

#[test]
fn install_writes_an_entry_for_this_binary_and_the_icons_and_uninstall_removes_them() {
    let scratch = Scratch::new();
    let data = tempfile::tempdir().unwrap();
    let with_data_home = |args: &[&str]| {
        let mut command = scratch.jobdeck(args);
        command.env("XDG_DATA_HOME", data.path());
        finish(command)
    };

    let installed = with_data_home(&["install-desktop"]);
    assert_eq!(installed.code, Some(0), "{installed:?}");
    for relative in [ENTRY, PNG, SVG] {
        let path = data.path().join(relative);
        assert!(path.is_file(), "{} missing", path.display());
        assert!(
            installed
                .stdout
                .contains(&format!("wrote {}", path.display())),
            "{}",
            installed.stdout
        );
    }
    let entry = std::fs::read_to_string(data.path().join(ENTRY)).unwrap();
    let exe = std::fs::canonicalize(env!("CARGO_BIN_EXE_jobdeck")).unwrap();
    assert!(
        entry.contains(&format!("\nExec={} open %f\n", exe.display())),
        "{entry}"
    );
    for line in [
        "MimeType=application/toml;",
        "Type=Application",
        "Icon=jobdeck",
        "Terminal=false",
        "Name=jobdeck",
    ] {
        assert!(entry.lines().any(|l| l == line), "{line} in {entry}");
    }
    assert_eq!(
        std::fs::read(data.path().join(PNG)).unwrap(),
        assets("jobdeck.png")
    );
    assert_eq!(
        std::fs::read(data.path().join(SVG)).unwrap(),
        assets("jobdeck.svg")
    );

    let cache = data.path().join("applications/mimeinfo.cache");
    if database_program_installed() {
        // Registered: file managers offer jobdeck for .toml files.
        let index = std::fs::read_to_string(&cache).unwrap();
        assert!(
            index.contains("application/toml=jobdeck.desktop;"),
            "{index}"
        );
        assert!(
            installed.stdout.contains("ran update-desktop-database"),
            "{}",
            installed.stdout
        );
    } else {
        assert!(
            installed
                .stdout
                .contains("update-desktop-database is not installed"),
            "{}",
            installed.stdout
        );
    }

    let removed = with_data_home(&["install-desktop", "--uninstall"]);
    assert_eq!(removed.code, Some(0), "{removed:?}");
    // Nothing is left: no file, no folder the install made, no database
    // cache that indexes nothing.
    let left = files_under(data.path());
    assert!(left.is_empty(), "left behind: {left:?}");
    for relative in [ENTRY, PNG, SVG] {
        let path = data.path().join(relative);
        assert!(!path.exists(), "{} still there", path.display());
        assert!(
            removed
                .stdout
                .contains(&format!("removed {}", path.display())),
            "{}",
            removed.stdout
        );
    }

    let again = with_data_home(&["install-desktop", "--uninstall"]);
    assert_eq!(again.code, Some(0), "{again:?}");
    assert!(
        again.stdout.contains("nothing to remove"),
        "{}",
        again.stdout
    );
}

#[test]
fn without_xdg_data_home_it_installs_under_home() {
    let scratch = Scratch::new();
    let home = tempfile::tempdir().unwrap();
    let mut command = scratch.jobdeck(&["install-desktop"]);
    command.env_remove("XDG_DATA_HOME").env("HOME", home.path());
    let ran = finish(command);
    assert_eq!(ran.code, Some(0), "{ran:?}");
    assert!(home.path().join(".local/share").join(ENTRY).is_file());
    assert!(home.path().join(".local/share").join(PNG).is_file());
}

#[test]
fn open_without_a_file_is_good_usage() {
    // A launcher runs `jobdeck open %f` as `jobdeck open` when started
    // with no file: that must open the window, not fail as bad usage. Here
    // there is no display, so it gets as far as trying to open a window.
    let scratch = Scratch::new();
    let mut command = scratch.jobdeck(&["open"]);
    command
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env("XDG_RUNTIME_DIR", scratch.data());
    let ran = finish(command);
    assert_ne!(ran.code, Some(2), "{ran:?}");
    assert!(ran.stderr.contains("window"), "{ran:?}");
}

fn database_program_installed() -> bool {
    std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| dir.join("update-desktop-database").is_file())
    })
}

/// Every file and folder under `root`, not `root` itself.
fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path.clone());
            }
            found.push(path);
        }
    }
    found
}
