//! What `jobdeck run` prints of the jobs' logs: plain text with its stream,
//! a redrawn line once, colours only when asked.

use serde_json::Value;

use crate::support::{Scratch, toml_str};

/// A job file with one job running `script` with `sh -c`.
fn job_file(scratch: &Scratch, name: &str, script: &str) -> std::path::PathBuf {
    scratch.write(
        "jobs.toml",
        &format!(
            "[[job]]\nname = \"{name}\"\ncommand = [\"sh\", \"-c\", {}]\n",
            toml_str(script)
        ),
    )
}

/// Colours on both streams, a bar redrawn three times, then a failure.
const SCRIPT: &str = r"printf '\033[1;32mCompiling\033[0m demo\n';
printf '\033[31merror\033[0m: broken\n' >&2;
printf '\r 10%%|#    |'; sleep 0.2; printf '\r 60%%|###  |'; sleep 0.2; printf '\r100%%|#####|\n';
exit 3";

fn logs(events: &[&Value]) -> Vec<(String, String)> {
    events
        .iter()
        .map(|event| {
            (
                event["line"].as_str().unwrap().to_owned(),
                event["stream"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn json_log_lines_are_plain_text_with_their_stream_and_a_redrawn_line_comes_once() {
    let scratch = Scratch::new();
    let file = job_file(&scratch, "build", SCRIPT);
    let (ran, events) = scratch.run_json(&file, &[]);
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert!(
        !ran.stdout.contains("\\u001b"),
        "no escapes: {}",
        ran.stdout
    );
    let mut lines = logs(&events.where_("build", "log"));
    // The streams have no common order; each keeps its own.
    lines.sort();
    assert_eq!(
        lines,
        [
            ("100%|#####|".to_owned(), "stdout".to_owned()),
            ("Compiling demo".to_owned(), "stdout".to_owned()),
            ("error: broken".to_owned(), "stderr".to_owned()),
        ]
    );
    assert!(
        events
            .where_("build", "log")
            .iter()
            .all(|e| e.get("ansi").is_none()),
        "colours only when asked"
    );
    // The redraws drove the progress.
    let progress: Vec<f64> = events
        .where_("build", "progress")
        .iter()
        .map(|e| e["value"].as_f64().unwrap())
        .collect();
    assert!(progress.contains(&1.0), "{progress:?}");
    // The error ends with the stderr line, without escapes either.
    let failed = events.last("build");
    assert_eq!(failed["event"], "failed");
    assert!(
        failed["error"]
            .as_str()
            .unwrap()
            .ends_with("last lines on stderr:\nerror: broken"),
        "{failed}"
    );
}

#[test]
fn log_ansi_keeps_the_colours_beside_the_plain_text() {
    let scratch = Scratch::new();
    let file = job_file(&scratch, "build", SCRIPT);
    let (_, events) = scratch.run_json(&file, &["--log-ansi"]);
    let compiling = events
        .where_("build", "log")
        .into_iter()
        .find(|e| e["line"] == "Compiling demo")
        .expect("the line");
    assert_eq!(compiling["ansi"], "\u{1b}[1;32mCompiling\u{1b}[0m demo");

    // And people see the failed job's last lines marked by stream, plain
    // by default and coloured when asked.
    let file = file.to_str().unwrap();
    let plain = scratch.run(&["run", file]);
    assert!(
        plain.stdout.contains("err│ error: broken"),
        "{}",
        plain.stdout
    );
    assert!(
        plain.stdout.contains("out│ Compiling demo"),
        "{}",
        plain.stdout
    );
    assert!(!plain.stdout.contains('\u{1b}'), "{}", plain.stdout);
    let coloured = scratch.run(&["run", file, "--log-ansi"]);
    assert!(
        coloured
            .stdout
            .contains("err│ \u{1b}[31merror\u{1b}[0m: broken"),
        "{}",
        coloured.stdout
    );
}
