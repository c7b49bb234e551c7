//! `jobdeck install-desktop [--uninstall]` into a temporary data directory.

use std::path::Path;

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
        entry.contains(&format!("\nExec={}\n", exe.display())),
        "{entry}"
    );
    for line in [
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

    let removed = with_data_home(&["install-desktop", "--uninstall"]);
    assert_eq!(removed.code, Some(0), "{removed:?}");
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
