//! `shell = true` commands and hostile inputs: every template the checker
//! accepts hands each input to the command intact, through the engine's
//! real `sh -c` and through dash and bash directly, and never runs any of
//! it; every template it refuses is refused at the placeholder's line and
//! column with the fix; an input holding NUL is refused at the input.

mod common;

#[path = "shell_safety/accepted.rs"]
mod accepted;

#[path = "shell_safety/refused.rs"]
mod refused;

#[path = "shell_safety/random.rs"]
mod random;

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use common::{PATIENCE, wait_for};
use jobdeck::engine::{EventKind, Outcome, Pool};
use jobdeck::jobfile::{self, JobFile};
use jobdeck::jobspec::BuildContext;

/// The file a hostile input creates if any of it runs as code.
pub(crate) const MARKER: &str = "pwned";

/// Inputs that run `touch pwned` wherever they are read as code: inside
/// double quotes, here-documents or backquotes, after breaking out of
/// quotes, backquotes or braces, on a line of their own, or as arithmetic.
pub(crate) const HOSTILE: [&str; 21] = [
    "$(touch pwned)",
    "`touch pwned`",
    "`; touch pwned; `",
    "; touch pwned",
    "'; touch pwned; '",
    "\"; touch pwned; \"",
    "'$(touch pwned)'",
    "\"$(touch pwned)\"",
    "x\ntouch pwned\n",
    "x\nEOF\ntouch pwned\nEOF\n",
    "a[$(touch pwned)]",
    "\\'; touch pwned; '",
    "' \"$(touch pwned)\" '",
    "}; touch pwned; {",
    ")); touch pwned; ((",
    "| touch pwned &",
    "'\n# '\ntouch pwned\n",
    "",
    "-n *",
    // Reserved words, which must stay plain words.
    "case",
    "if",
];

/// `inputs = [...]` for a job file.
fn toml_list(inputs: &[&str]) -> String {
    let items: Vec<String> = inputs
        .iter()
        .map(|input| toml::Value::String((*input).to_owned()).to_string())
        .collect();
    format!("[{}]", items.join(", "))
}

/// A job file in `dir` running `script` with `shell = true` once per input,
/// read by the real loader.
pub(crate) fn job_file(
    dir: &Path,
    script: &str,
    inputs: &[&str],
) -> Result<JobFile, jobfile::JobFileError> {
    let text = format!(
        "[[job]]\nname = \"t {{#}}\"\ncommand = {}\nshell = true\ninputs = {}\n",
        toml::Value::String(script.to_owned()),
        toml_list(inputs)
    );
    jobfile::parse(&text, &dir.join("jobs.toml"))
}

/// Removes what the scripts wrote in `dir`, keeping the job file.
pub(crate) fn clear(dir: &Path) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().is_some_and(|name| name != "jobs.toml") {
            std::fs::remove_file(path).unwrap();
        }
    }
}

/// Runs `script` with `shell -c` in `dir`, stdin closed, to its end.
pub(crate) fn run_shell(shell: &str, script: &str, dir: &Path) {
    let mut child: Child = Command::new(shell)
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for(&format!("{shell} -c {script:?} to end"), PATIENCE, || {
        child.try_wait().unwrap()
    });
}

/// Runs every job of `file`; each must succeed.
pub(crate) fn run_all(file: &JobFile) {
    let count = file.plan.jobs.len();
    let (pool, mut events) = Pool::new(2).unwrap();
    pool.submit_all(file.plan.build(&BuildContext::default()))
        .unwrap();
    let mut outcomes = HashMap::new();
    while outcomes.len() < count {
        let event = events
            .recv_timeout(PATIENCE)
            .expect("every job ends in time");
        if let EventKind::Finished(outcome) = event.kind {
            outcomes.insert(event.job, outcome);
        }
    }
    for outcome in outcomes.values() {
        assert!(matches!(outcome, Outcome::Succeeded(_)), "{outcome:?}");
    }
}
