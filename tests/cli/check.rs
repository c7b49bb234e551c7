//! `jobdeck check`, bad files, bad usage, `--help` and `--version`.

use std::path::Path;

use regex::Regex;

use crate::support::Scratch;

/// The `FILE:LINE:COLUMN: ` prefix every positioned error starts with.
fn positioned(path: &Path) -> Regex {
    Regex::new(&format!(
        r"^{}:\d+:\d+: \S",
        regex::escape(&path.display().to_string())
    ))
    .unwrap()
}

#[test]
fn check_counts_the_jobs_of_a_good_file_after_expansion() {
    let scratch = Scratch::new();
    let file = scratch.write(
        "jobs.toml",
        r#"
[[job]]
name = "echo {}"
command = ["echo", "{}"]
inputs = ["a", "b", "c"]

[[job]]
name = "alone"
command = ["true"]
"#,
    );
    let ran = scratch.run(&["check", file.to_str().unwrap()]);
    assert_eq!(ran.code, Some(0), "{ran:?}");
    assert_eq!(ran.stdout, "ok: 4 jobs\n");
    assert!(ran.stderr.is_empty(), "{}", ran.stderr);
}

#[test]
fn a_bad_file_is_refused_whole_with_its_position_by_check_and_run() {
    let scratch = Scratch::new();
    let file = scratch.write(
        "jobs.toml",
        "[[job]]\nname = \"typo\"\ncomand = [\"true\"]\n",
    );
    for args in [
        ["check", file.to_str().unwrap()],
        ["run", file.to_str().unwrap()],
    ] {
        let ran = scratch.run(&args);
        assert_eq!(ran.code, Some(2), "{ran:?}");
        assert!(positioned(&file).is_match(&ran.stderr), "{}", ran.stderr);
        assert!(ran.stderr.contains("comand"), "{}", ran.stderr);
        assert!(ran.stdout.is_empty(), "nothing runs: {}", ran.stdout);
    }
}

#[test]
fn a_missing_file_is_exit_2_with_the_reason() {
    let scratch = Scratch::new();
    let missing = scratch.path("nope.toml");
    for command in ["check", "run"] {
        let ran = scratch.run(&[command, missing.to_str().unwrap()]);
        assert_eq!(ran.code, Some(2), "{ran:?}");
        assert_eq!(
            ran.stderr,
            format!(
                "{}: cannot read: No such file or directory\n",
                missing.display()
            )
        );
    }
}

#[test]
fn every_bad_fixture_is_refused_with_its_file_line_and_column() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad");
    let mut fixtures: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("{}: {err}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    fixtures.sort();
    assert!(!fixtures.is_empty(), "no fixtures in {}", dir.display());

    let scratch = Scratch::new();
    for fixture in &fixtures {
        let ran = scratch.run(&["check", fixture.to_str().unwrap()]);
        assert_eq!(ran.code, Some(2), "{}: {ran:?}", fixture.display());
        assert!(
            positioned(fixture).is_match(&ran.stderr),
            "{}: {}",
            fixture.display(),
            ran.stderr
        );
        // A fixture may say what its message must contain.
        let text = std::fs::read_to_string(fixture).unwrap();
        if let Some(expected) = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
        {
            assert!(
                ran.stderr.contains(expected.trim()),
                "{}: expected {expected:?} in {}",
                fixture.display(),
                ran.stderr
            );
        }
    }
}

#[test]
fn bad_usage_is_exit_2() {
    let scratch = Scratch::new();
    let file = scratch.write("jobs.toml", "[[job]]\nname = \"x\"\ncommand = [\"true\"]\n");
    let file = file.to_str().unwrap();
    let cases: [&[&str]; 6] = [
        &["run"],
        &["frobnicate"],
        &["run", file, "--max-threads", "0"],
        &["run", file, "--max-threads", "1025"],
        &["run", file, "--max-threads", "many"],
        &["check", file, "--json"],
    ];
    for args in cases {
        let ran = scratch.run(args);
        assert_eq!(ran.code, Some(2), "{args:?}: {ran:?}");
        assert!(
            ran.stderr.starts_with("error: "),
            "{args:?}: {}",
            ran.stderr
        );
        assert!(ran.stdout.is_empty(), "{args:?}: {}", ran.stdout);
    }
    let ran = scratch.run(&["run", file, "--max-threads", "0"]);
    assert!(ran.stderr.contains("1..=1024"), "{}", ran.stderr);
}

#[test]
fn help_and_version() {
    let scratch = Scratch::new();
    let version = scratch.run(&["--version"]);
    assert_eq!(version.code, Some(0));
    assert_eq!(
        version.stdout,
        format!("jobdeck {}\n", env!("CARGO_PKG_VERSION"))
    );

    let help = scratch.run(&["--help"]);
    assert_eq!(help.code, Some(0));
    for command in ["open", "run", "check", "install-desktop"] {
        assert!(help.stdout.contains(command), "{}", help.stdout);
    }
    let run_help = scratch.run(&["run", "--help"]);
    assert!(
        run_help.stdout.contains("--max-threads <N>"),
        "{}",
        run_help.stdout
    );
    assert!(run_help.stdout.contains("--json"), "{}", run_help.stdout);
}
