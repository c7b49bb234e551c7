//! `jobdeck run --keep-order`: jobs' lines and events come out in the order
//! the jobs were submitted, later jobs' held back until the earlier ones
//! end; progress stays live.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;

use serde_json::Value;

use crate::common::{PATIENCE, wait_until};
use crate::support::{Events, Scratch, wait_output};

/// `slow` (submitted first) ends only once the test has seen `quick 2`'s
/// progress and written `go`: the quick jobs end long before it.
const JOBS: &str = r#"
max_threads = 4
[[job]]
name = "slow"
command = "until [ -e go ]; do sleep 0.01; done; echo slow done"
shell = true
[[job]]
name = "quick 1"
command = ["echo", "one"]
[[job]]
name = "quick 2"
command = "printf ' 50%%\r'; echo two"
shell = true
[[job]]
name = "quick 3"
command = ["echo", "three"]
"#;

/// Runs [`JOBS`] with `--json` and `extra`, writing `go` once `quick 2`'s
/// progress came out (it never would if progress were held back with the
/// rest). Returns every event.
fn run_until_progress_seen(scratch: &Scratch, extra: &[&str]) -> Events {
    let file = scratch.write("jobs.toml", JOBS);
    let mut args = vec!["run", file.to_str().unwrap(), "--json"];
    args.extend_from_slice(extra);
    let mut child = scratch
        .jobdeck(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("jobdeck starts");
    let stdout = child.stdout.take().unwrap();
    let (tx, lines) = mpsc::channel::<Value>();
    let reader = std::thread::Builder::new()
        .name("test-json-reader".to_owned())
        .spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(serde_json::from_str(&line).unwrap());
            }
        })
        .unwrap();
    let mut seen = Vec::new();
    wait_until("quick 2's progress", PATIENCE, || {
        seen.extend(lines.try_iter());
        seen.iter()
            .any(|e| e["name"] == "quick 2" && e["event"] == "progress")
    });
    std::fs::write(scratch.path("go"), "").unwrap();
    let ran = wait_output(child, PATIENCE);
    assert_eq!(ran.code, Some(0), "{ran:?}");
    reader.join().unwrap();
    seen.extend(lines.try_iter());
    Events(seen)
}

/// The names of the events other than `queued` and `progress`, in order.
fn held_events(events: &Events) -> Vec<String> {
    events
        .0
        .iter()
        .filter(|e| e["event"] != "queued" && e["event"] != "progress")
        .map(|e| e["name"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn json_events_come_out_job_by_job_in_submission_order() {
    let scratch = Scratch::new();
    let events = run_until_progress_seen(&scratch, &["--keep-order"]);

    let mut order = held_events(&events);
    order.dedup();
    assert_eq!(
        order,
        ["slow", "quick 1", "quick 2", "quick 3"],
        "{events:#?}"
    );
    for name in ["slow", "quick 1", "quick 2", "quick 3"] {
        assert_eq!(events.last(name)["event"], "succeeded");
    }
    // Progress was not held back: it came before `slow` could end.
    assert!(events.index("quick 2", "progress") < events.index("slow", "succeeded"));
}

#[test]
fn without_keep_order_events_come_out_as_they_happen() {
    let scratch = Scratch::new();
    let events = run_until_progress_seen(&scratch, &[]);

    assert!(
        events.index("quick 1", "succeeded") < events.index("slow", "succeeded"),
        "{events:#?}"
    );
}

#[test]
fn human_lines_come_out_in_submission_order() {
    let scratch = Scratch::new();
    // Each quick job leaves a file; `slow` ends once all three are there.
    let file = scratch.write(
        "jobs.toml",
        r#"
max_threads = 4
[[job]]
name = "slow"
command = "until [ -e 1 ] && [ -e 2 ] && [ -e 3 ]; do sleep 0.01; done"
shell = true
[[job]]
name = "quick {}"
command = ["touch", "{}"]
inputs = ["1", "2", "3"]
"#,
    );

    let ran = scratch.run(&["run", file.to_str().unwrap(), "--keep-order"]);

    assert_eq!(ran.code, Some(0), "{ran:?}");
    let names: Vec<&str> = ran
        .stdout
        .lines()
        .filter_map(|line| line.strip_prefix("✓ "))
        .map(|rest| rest.split(" (").next().unwrap())
        .collect();
    assert_eq!(
        names,
        ["slow", "quick 1", "quick 2", "quick 3"],
        "{}",
        ran.stdout
    );
}
