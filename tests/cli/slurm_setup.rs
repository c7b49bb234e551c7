//! `jobdeck check` and `run` refuse a Slurm job file, before anything
//! starts and with exit code 2, on a machine that cannot reach a cluster.
//! Slurm's commands are stand-in scripts on a `PATH` of their own, so these
//! need no cluster.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::support::Scratch;

const SLURM_FILE: &str =
    "executor = \"slurm\"\n\n[[job]]\nname = \"remote\"\ncommand = [\"true\"]\n";
const LOCAL_FILE: &str = "[[job]]\nname = \"here\"\ncommand = [\"true\"]\n";

/// A folder with a stand-in for each of Slurm's commands: `sinfo` runs
/// `sinfo_body`, the others succeed silently.
fn stand_ins(scratch: &Scratch, sinfo_body: &str) -> String {
    let dir = scratch.path("bin");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, body) in [
        ("sbatch", "exit 0"),
        ("squeue", "exit 0"),
        ("scontrol", "exit 0"),
        ("scancel", "exit 0"),
        ("sinfo", sinfo_body),
    ] {
        write_script(&dir.join(name), body);
    }
    dir.display().to_string()
}

fn write_script(path: &Path, body: &str) {
    std::fs::write(path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Runs `jobdeck ARGS` with `PATH` set to `path` only.
fn run_with_path(scratch: &Scratch, path: &str, args: &[&str]) -> crate::support::Ran {
    let mut command = scratch.jobdeck(args);
    command.env("PATH", path);
    crate::support::finish(command)
}

#[test]
fn no_sbatch_on_path_refuses_a_slurm_file_with_exit_2() {
    let scratch = Scratch::new();
    let file = scratch.write("jobs.toml", SLURM_FILE);
    let file = file.to_str().unwrap();
    let empty = scratch.path("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let empty = empty.to_str().unwrap();
    for args in [["check", file], ["run", file]] {
        let ran = run_with_path(&scratch, empty, &args);
        assert_eq!(ran.code, Some(2), "{args:?}: {ran:?}");
        assert_eq!(
            ran.stderr,
            format!(
                "{file}: its jobs run on Slurm, but sbatch is not on PATH ({empty}): Slurm jobs \
                 need Slurm's commands; run jobdeck on a login node of the cluster, or add \
                 Slurm's bin directory to PATH\n"
            ),
            "{args:?}"
        );
        assert!(ran.stdout.is_empty(), "nothing ran: {}", ran.stdout);
    }
}

#[test]
fn a_cluster_that_does_not_answer_refuses_a_slurm_file_with_exit_2() {
    let scratch = Scratch::new();
    let file = scratch.write("jobs.toml", SLURM_FILE);
    let file = file.to_str().unwrap();
    let bin = stand_ins(
        &scratch,
        "echo 'sinfo: error: Unable to contact slurm controller (connect failure)' >&2; exit 1",
    );
    for args in [["check", file], ["run", file]] {
        let ran = run_with_path(&scratch, &bin, &args);
        assert_eq!(ran.code, Some(2), "{args:?}: {ran:?}");
        assert!(
            ran.stderr.starts_with(&format!(
                "{file}: its jobs run on Slurm, but the Slurm cluster does not answer: \
                 `sinfo --noheader '--format=%P'` failed (exit code 1): sinfo: error: Unable to \
                 contact slurm controller"
            )),
            "{args:?}: {}",
            ran.stderr
        );
    }
}

#[test]
fn an_unknown_partition_is_refused_naming_the_clusters_partitions() {
    let scratch = Scratch::new();
    let file = scratch.write(
        "jobs.toml",
        &format!("{SLURM_FILE}\n[slurm]\npartition = \"gpu\"\n"),
    );
    let bin = stand_ins(&scratch, "printf 'debug*\\nlong\\n'");
    let ran = run_with_path(&scratch, &bin, &["check", file.to_str().unwrap()]);
    assert_eq!(ran.code, Some(2), "{ran:?}");
    assert!(
        ran.stderr.ends_with(
            "its jobs run on Slurm, but partition \"gpu\" (from the [slurm] settings) is not on \
             this cluster; it has: debug, long\n"
        ),
        "{}",
        ran.stderr
    );
}

#[test]
fn executor_slurm_on_the_command_line_sends_a_local_file_to_slurm() {
    let scratch = Scratch::new();
    let file = scratch.write("jobs.toml", LOCAL_FILE);
    let file = file.to_str().unwrap();
    let empty = scratch.path("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let empty = empty.to_str().unwrap();
    let plain = run_with_path(&scratch, empty, &["check", file]);
    assert_eq!(
        plain.code,
        Some(0),
        "a local file needs no Slurm: {plain:?}"
    );
    for args in [
        ["check", file, "--executor", "slurm"],
        ["run", file, "--executor", "slurm"],
    ] {
        let ran = run_with_path(&scratch, empty, &args);
        assert_eq!(ran.code, Some(2), "{args:?}: {ran:?}");
        assert!(
            ran.stderr
                .contains("its jobs run on Slurm, but sbatch is not on PATH"),
            "{args:?}: {}",
            ran.stderr
        );
    }
    let bad = run_with_path(&scratch, empty, &["run", file, "--executor", "ray"]);
    assert_eq!(bad.code, Some(2), "{bad:?}");
    assert!(
        bad.stderr.contains("possible values: local, slurm"),
        "{}",
        bad.stderr
    );
}
