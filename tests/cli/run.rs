//! `jobdeck run`: outcomes, exit codes, JSON events, progress parsing,
//! timeouts, retries, dependencies and the thread cap.

use crate::support::{Scratch, toml_str};

#[test]
fn a_batch_over_a_glob_gets_one_queued_started_and_succeeded_per_input() {
    let scratch = Scratch::new();
    let inputs = ["a.txt", "b.txt", "c.txt", "d.txt", "e.txt"];
    for (size, input) in inputs.iter().enumerate() {
        scratch.write(&format!("in/{input}"), &"x".repeat(size + 1));
    }
    scratch.write("in/ignored.dat", "not matched by the glob");
    let file = scratch.write(
        "jobs.toml",
        r#"
[[job]]
name = "count {/}"
command = ["wc", "-c", "{}"]
inputs_glob = "in/*.txt"
"#,
    );

    let (ran, events) = scratch.run_json(&file, &["--max-threads", "2"]);

    assert_eq!(ran.code, Some(0), "{ran:?}");
    let expected: Vec<String> = inputs.iter().map(|i| format!("count {i}")).collect();
    assert_eq!(events.names(), expected.iter().cloned().collect());
    for name in &expected {
        for event in ["queued", "started", "succeeded"] {
            assert_eq!(
                events.where_(name, event).len(),
                1,
                "{name} should have exactly one {event} event: {events:#?}"
            );
        }
        for event in ["failed", "stopped", "timed_out", "cancelled", "skipped"] {
            assert!(events.where_(name, event).is_empty(), "{name}: {event}");
        }
        assert!(events.index(name, "queued") < events.index(name, "started"));
        assert!(events.index(name, "started") < events.index(name, "succeeded"));
        assert_eq!(events.last(name)["event"], "succeeded");
        assert_eq!(events.last(name)["exit_code"], 0);
    }
    // Every `queued` comes first: they are printed at submission.
    let queued = events
        .0
        .iter()
        .take_while(|e| e["event"] == "queued")
        .count();
    assert_eq!(queued, inputs.len());
    // wc's output is in each job's log: `c.txt` has 3 bytes.
    let log: Vec<_> = events.where_("count c.txt", "log");
    assert!(
        log.iter()
            .any(|e| e["line"].as_str().unwrap().starts_with('3')),
        "{log:#?}"
    );
    assert!(ran.stderr.contains("5 jobs: 5 succeeded"), "{}", ran.stderr);
}

#[test]
fn a_failing_command_exits_1_and_says_its_exit_code() {
    let scratch = Scratch::new();
    let file = scratch.write(
        "jobs.toml",
        r#"
[[job]]
name = "fine"
command = ["true"]

[[job]]
name = "broken"
command = ["sh", "-c", "echo about to fail; exit 3"]
"#,
    );

    let (ran, events) = scratch.run_json(&file, &[]);
    assert_eq!(ran.code, Some(1), "{ran:?}");
    let failed = events.last("broken");
    assert_eq!(failed["event"], "failed");
    assert_eq!(failed["exit_code"], 3);
    assert!(
        failed["error"]
            .as_str()
            .unwrap()
            .contains("exited with code 3"),
        "{failed}"
    );
    assert_eq!(events.last("fine")["event"], "succeeded");

    // The same for people: a line per job and a summary.
    let human = scratch.run(&["run", file.to_str().unwrap()]);
    assert_eq!(human.code, Some(1), "{human:?}");
    assert!(human.stdout.contains("✓ fine ("), "{}", human.stdout);
    assert!(
        human.stdout.contains("✗ broken: exited with code 3"),
        "{}",
        human.stdout
    );
    // The failed job's last output is shown under it.
    assert!(human.stdout.contains("│ about to fail"), "{}", human.stdout);
    assert!(
        human.stdout.contains("2 jobs: 1 succeeded, 1 failed in "),
        "{}",
        human.stdout
    );
}

#[test]
fn a_missing_program_fails_with_its_name() {
    let scratch = Scratch::new();
    let file = scratch.write(
        "jobs.toml",
        r#"
[[job]]
name = "ghost"
command = ["jobdeck-test-no-such-program", "--flag"]
"#,
    );

    let (ran, events) = scratch.run_json(&file, &[]);
    assert_eq!(ran.code, Some(1), "{ran:?}");
    let failed = events.last("ghost");
    assert_eq!(failed["event"], "failed");
    let error = failed["error"].as_str().unwrap();
    assert!(
        error.contains("not found") && error.contains("jobdeck-test-no-such-program"),
        "{error}"
    );
    let human = scratch.run(&["run", file.to_str().unwrap()]);
    assert!(
        human.stdout.contains("✗ ghost: ") && human.stdout.contains("not found"),
        "{}",
        human.stdout
    );
}

#[test]
fn all_succeeded_is_exit_0_with_a_summary() {
    let scratch = Scratch::new();
    let file = scratch.write(
        "jobs.toml",
        "[[job]]\nname = \"one\"\ncommand = [\"true\"]\n",
    );
    let ran = scratch.run(&["run", file.to_str().unwrap()]);
    assert_eq!(ran.code, Some(0), "{ran:?}");
    assert!(ran.stdout.contains("✓ one ("), "{}", ran.stdout);
    assert!(
        ran.stdout.contains("1 job: 1 succeeded in "),
        "{}",
        ran.stdout
    );
}

#[test]
fn a_timeout_stops_the_command_and_each_retry_is_a_new_attempt() {
    let scratch = Scratch::new();
    let file = scratch.write(
        "jobs.toml",
        r#"
[[job]]
name = "slow"
command = ["sleep", "60"]
timeout_secs = 1
retries = 1

[[job]]
name = "flaky"
command = ["sh", "-c", "exit 5"]
retries = 2
"#,
    );

    let (ran, events) = scratch.run_json(&file, &["--max-threads", "2"]);
    assert_eq!(ran.code, Some(1), "{ran:?}");

    let attempts = |name| -> Vec<u64> {
        events
            .where_(name, "started")
            .iter()
            .map(|e| e["attempt"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(attempts("slow"), [1, 2]);
    assert_eq!(events.last("slow")["event"], "timed_out");
    assert_eq!(attempts("flaky"), [1, 2, 3]);
    let failed = events.last("flaky");
    assert_eq!(failed["event"], "failed");
    assert_eq!(failed["exit_code"], 5);
    assert!(
        ran.stderr.contains("1 failed, 1 timed out"),
        "{}",
        ran.stderr
    );
}

#[test]
fn a_dependent_starts_only_after_its_dependency_ended() {
    let scratch = Scratch::new();
    let file = scratch.write(
        "jobs.toml",
        r#"
[[job]]
name = "second"
command = ["test", "-f", "made-by-first"]
after = ["first"]

[[job]]
name = "first"
command = ["sh", "-c", "sleep 0.3; touch made-by-first"]

[[job]]
name = "never"
command = ["true"]
after = ["doomed"]

[[job]]
name = "doomed"
command = ["false"]
"#,
    );

    let (ran, events) = scratch.run_json(&file, &["--max-threads", "4"]);
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert_eq!(events.last("second")["event"], "succeeded", "{events:#?}");
    assert!(events.index("first", "succeeded") < events.index("second", "started"));
    // A failed dependency skips its dependent, which never starts.
    let skipped = events.last("never");
    assert_eq!(skipped["event"], "skipped");
    assert_eq!(skipped["because"], events.last("doomed")["job"]);
    assert!(events.where_("never", "started").is_empty());
}

#[test]
fn carriage_return_percentages_and_jobdeck_lines_become_progress_and_samples() {
    let scratch = Scratch::new();
    // Pauses between updates so each is read on its own (progress is
    // coalesced: a burst would show only its last value).
    let script = "printf ' 10%%\\r'; sleep 0.3; printf ' 50%%\\r'; sleep 0.3; \
                  echo 'jobdeck:progress 0.75'; sleep 0.3; \
                  echo 'jobdeck:sample loss 1 0.5'; echo 'jobdeck:sample loss 2 0.25'";
    let file = scratch.write(
        "jobs.toml",
        &format!(
            "[[job]]\nname = \"tool\"\ncommand = [\"sh\", \"-c\", {}]\n",
            toml_str(script)
        ),
    );

    let (ran, events) = scratch.run_json(&file, &[]);
    assert_eq!(ran.code, Some(0), "{ran:?}");
    let progress: Vec<f64> = events
        .where_("tool", "progress")
        .iter()
        .map(|e| e["value"].as_f64().unwrap())
        .collect();
    let close = |want: f64| progress.iter().position(|v| (v - want).abs() < 1e-6);
    let (ten, fifty, three_quarters) = (close(0.1), close(0.5), close(0.75));
    assert!(
        ten.is_some() && fifty.is_some() && three_quarters.is_some(),
        "{progress:?}"
    );
    assert!(ten < fifty && fifty < three_quarters, "{progress:?}");

    let samples: Vec<(String, f64, f64)> = events
        .where_("tool", "sample")
        .iter()
        .map(|e| {
            (
                e["series"].as_str().unwrap().to_owned(),
                e["x"].as_f64().unwrap(),
                e["y"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        samples,
        [
            ("loss".to_owned(), 1.0, 0.5),
            ("loss".to_owned(), 2.0, 0.25)
        ]
    );
}

#[test]
fn max_threads_comes_from_the_flag_then_the_file() {
    let scratch = Scratch::new();
    let file = scratch.write(
        "jobs.toml",
        r#"
max_threads = 1

[[job]]
name = "nap {}"
command = ["sleep", "1"]
inputs = ["1", "2", "3"]
"#,
    );

    let (ran, events) = scratch.run_json(&file, &[]);
    assert_eq!(ran.code, Some(0), "{ran:?}");
    assert_eq!(events.peak_running(), 1, "the file says 1");

    let (ran, events) = scratch.run_json(&file, &["--max-threads", "3"]);
    assert_eq!(ran.code, Some(0), "{ran:?}");
    assert_eq!(events.peak_running(), 3, "the flag says 3");
}

#[test]
fn a_job_after_a_whole_batch_waits_for_all_of_it_and_names_the_member_that_failed() {
    let scratch = Scratch::new();
    let batch = |fail: u32| {
        format!(
            r#"
[[job]]
name = "part {{#}}"
command = ["sh", "-c", "sleep 0.1; exit $(({{#}} == {fail}))"]
count = 3

[[job]]
name = "after parts"
command = ["true"]
after = ["part {{#}}"]
"#
        )
    };
    let good = scratch.write("good.toml", &batch(0));
    let (ran, events) = scratch.run_json(&good, &["--max-threads", "4"]);
    assert_eq!(ran.code, Some(0), "{ran:?}");
    for part in ["part 1", "part 2", "part 3"] {
        assert!(events.index(part, "succeeded") < events.index("after parts", "started"));
    }
    // Whatever waits for the batch behind the scenes is not a job: every
    // line is about one of the four queued jobs.
    let queued: std::collections::BTreeSet<&str> = events
        .0
        .iter()
        .filter(|e| e["event"] == "queued")
        .map(|e| e["job"].as_str().unwrap())
        .collect();
    assert_eq!(queued.len(), 4);
    assert!(
        events
            .0
            .iter()
            .all(|e| queued.contains(e["job"].as_str().unwrap())),
        "{events:#?}"
    );

    let bad = scratch.write("bad.toml", &batch(2));
    let (ran, events) = scratch.run_json(&bad, &[]);
    assert_eq!(ran.code, Some(1), "{ran:?}");
    let skipped = events.last("after parts");
    assert_eq!(skipped["event"], "skipped");
    assert_eq!(skipped["because"], events.last("part 2")["job"]);
    let human = scratch.run(&["run", bad.to_str().unwrap()]);
    assert!(
        human
            .stdout
            .contains("↷ after parts: skipped, its dependency part 2 did not succeed"),
        "{}",
        human.stdout
    );
}
