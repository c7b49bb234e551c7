//! `jobdeck run --halt` and a job file's `halt`: the run ends early, names
//! the job that tripped it, and exits 1 (0 for a success halt); bad policies
//! exit 2 and say what is wrong.

use crate::support::Scratch;

/// 20 jobs of 0.5 s, 2 at a time; the 2nd fails at its end.
const TWENTY: &str = r#"
max_threads = 2
[[job]]
name = "first"
command = ["sleep", "0.5"]
[[job]]
name = "second"
command = "sleep 0.5; echo giving up >&2; exit 3"
shell = true
[[job]]
name = "rest"
command = ["sleep", "0.5"]
count = 18
"#;

#[test]
fn halt_now_fail_1_ends_the_run_and_names_the_job() {
    let scratch = Scratch::new();
    let file = scratch.write("jobs.toml", TWENTY);

    let (ran, events) = scratch.run_json(&file, &["--halt", "now,fail=1"]);

    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert!(
        ran.stderr.contains(
            "halted (now,fail=1): \"second\" failed (exited with code 3; last lines on \
             stderr: giving up); stopped "
        ),
        "{}",
        ran.stderr
    );
    assert_eq!(events.last("second")["event"], "failed");
    let cancelled = (1..=18)
        .filter(|n| events.last(&format!("rest #{n}"))["event"] == "cancelled")
        .count();
    assert!(cancelled >= 16, "{cancelled} cancelled: {events:#?}");
}

#[test]
fn the_job_files_halt_applies_and_the_flag_beats_it() {
    let scratch = Scratch::new();
    let file = scratch.write(
        "jobs.toml",
        &format!("halt = \"soon,fail=1\"\n{}", TWENTY.trim_start()),
    );

    let halted = scratch.run(&["run", file.to_str().unwrap()]);
    assert_eq!(halted.code, Some(1), "{halted:?}");
    assert!(
        halted
            .stdout
            .contains("halted (soon,fail=1): \"second\" failed"),
        "{}",
        halted.stdout
    );
    assert!(halted.stdout.contains("cancelled before it started"));

    let never = scratch.run(&["run", file.to_str().unwrap(), "--halt", "never"]);
    assert_eq!(never.code, Some(1), "{never:?}");
    assert!(
        never.stdout.contains("20 jobs: 19 succeeded, 1 failed in "),
        "{}",
        never.stdout
    );
    assert!(!never.stdout.contains("halted"), "{}", never.stdout);
}

#[test]
fn a_success_halt_exits_0() {
    let scratch = Scratch::new();
    let file = scratch.write(
        "jobs.toml",
        r#"
max_threads = 1
[[job]]
name = "found it"
command = ["true"]
[[job]]
name = "keep looking"
command = ["sleep", "30"]
count = 3
"#,
    );

    let ran = scratch.run(&["run", file.to_str().unwrap(), "--halt", "now,success=1"]);

    assert_eq!(ran.code, Some(0), "{ran:?}");
    assert!(
        ran.stdout
            .contains("halted (now,success=1): \"found it\" succeeded"),
        "{}",
        ran.stdout
    );
}

#[test]
fn bad_policies_exit_2_and_say_what_is_wrong() {
    let scratch = Scratch::new();
    let file = scratch.write("jobs.toml", TWENTY);
    let ran = scratch.run(&["run", file.to_str().unwrap(), "--halt", "now,fail=0"]);
    assert_eq!(ran.code, Some(2), "{ran:?}");
    assert!(
        ran.stderr.contains(
            "invalid value 'now,fail=0' for '--halt <WHEN,WHY=N>': `now,fail=0` is not a halt \
             policy: N must be a whole number from 1, or a percentage"
        ),
        "{}",
        ran.stderr
    );

    let bad = scratch.write("bad.toml", &format!("halt = \"asap\"\n{TWENTY}"));
    for command in ["run", "check"] {
        let ran = scratch.run(&[command, bad.to_str().unwrap()]);
        assert_eq!(ran.code, Some(2), "{ran:?}");
        assert!(
            ran.stderr.contains(
                "bad.toml:1:8: `halt`: `asap` is not a halt policy: it has no `,` between \
                 WHEN and WHY"
            ),
            "{}",
            ran.stderr
        );
    }
}
