//! The history from the command line: every run recorded, `--resume` after
//! a SIGKILL, `--joblog` read by GNU parallel itself, `jobdeck history`,
//! and a history that cannot be saved. Checked in the database (with
//! rusqlite), in `/proc` and with `parallel`, not guessed.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use rusqlite::Connection;
use serde_json::Value;

use crate::common::{PATIENCE, wait_for, wait_until};
use crate::support::{Events, Scratch, finish, is_gone};

/// `jobdeck ARGS` with stdout read line by line into a shared list as it
/// comes, so a test can act in the middle of a run.
struct Live {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Live {
    fn start(scratch: &Scratch, args: &[&str]) -> Self {
        let mut child = scratch
            .jobdeck(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("jobdeck starts");
        let stdout = child.stdout.take().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&lines);
        let reader = std::thread::Builder::new()
            .name("test-live-reader".to_owned())
            .spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    sink.lock().unwrap().push(line);
                }
            })
            .unwrap();
        Self {
            child,
            lines,
            reader: Some(reader),
        }
    }

    /// The JSON events printed so far.
    fn events(&self) -> Vec<Value> {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect()
    }

    fn count(&self, event: &str) -> usize {
        self.events().iter().filter(|e| e["event"] == event).count()
    }

    /// SIGKILLs jobdeck's watchdog (the process that kills its programs'
    /// groups when it dies; see `src/jobs/parent_death.rs`) and waits for it
    /// to be gone, so that a SIGKILL of jobdeck then leaves its programs
    /// running, as when both are killed at once (by the OOM killer, say).
    fn kill_watchdog(&self) {
        let tasks = std::fs::read_dir(format!("/proc/{}/task", self.child.id())).unwrap();
        let children: Vec<i32> = tasks
            .flatten()
            .filter_map(|task| std::fs::read_to_string(task.path().join("children")).ok())
            .flat_map(|list| {
                list.split_whitespace()
                    .filter_map(|child| child.parse().ok())
                    .collect::<Vec<i32>>()
            })
            .collect();
        let watchdog = children
            .into_iter()
            .find(|child| {
                std::fs::read(format!("/proc/{child}/cmdline"))
                    .is_ok_and(|cmdline| String::from_utf8_lossy(&cmdline).contains("groups="))
            })
            .expect("jobdeck runs a watchdog once a program has started");
        kill(Pid::from_raw(watchdog), Signal::SIGKILL).unwrap();
        wait_until("the watchdog to die", PATIENCE, || is_gone(watchdog));
    }

    /// SIGKILLs jobdeck and returns every whole line it printed.
    fn kill(mut self) -> Vec<Value> {
        let pid = Pid::from_raw(i32::try_from(self.child.id()).unwrap());
        kill(pid, Signal::SIGKILL).unwrap();
        self.child.wait().unwrap();
        // No program of jobdeck's holds its stdout (their output goes to
        // jobdeck's own pipes, the watchdog's to /dev/null), so the reader
        // comes to the end of it once what jobdeck wrote is read.
        let reader = self.reader.take().expect("the reader runs until kill");
        wait_until("jobdeck's stdout to end", PATIENCE, || reader.is_finished());
        reader.join().expect("the reader does not panic");
        self.events()
    }
}

fn database(scratch: &Scratch) -> Connection {
    Connection::open(scratch.data().join("history.sqlite3")).expect("the history exists")
}

fn integrity(conn: &Connection) -> String {
    conn.query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap()
}

/// Each job's recorded state, by uuid.
fn recorded_states(conn: &Connection) -> BTreeMap<String, String> {
    let mut statement = conn.prepare("SELECT uuid, state FROM jobs").unwrap();
    statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn pids_printed(events: &[Value]) -> Vec<i32> {
    crate::support::printed_pids(events)
}

/// Live processes whose environment holds `entry`.
fn processes_with(entry: &str) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| jobdeck::procfs::environment_has(pid, entry))
        .filter_map(|pid| i32::try_from(pid).ok())
        .filter(|&pid| !is_gone(pid))
        .collect()
}

/// Marker lines written per job, by job number.
fn markers(scratch: &Scratch, jobs: usize) -> Vec<usize> {
    (1..=jobs)
        .map(|n| {
            std::fs::read_to_string(scratch.path(&format!("marks/{n}")))
                .map_or(0, |text| text.lines().count())
        })
        .collect()
}

#[test]
fn a_run_killed_mid_batch_is_finished_by_resume_each_job_once_and_its_leftovers_killed() {
    const JOBS: usize = 40;
    let scratch = Scratch::new();
    std::fs::create_dir_all(scratch.path("marks")).unwrap();
    // Each job leaves a long-lived grandchild in its group, prints its pids,
    // works a little, then marks its success.
    let file = scratch.write(
        "batch.toml",
        &format!(
            r#"max_threads = 4
[[job]]
name = "job {{#}}"
count = {JOBS}
shell = true
command = "sleep 60 & echo pid $!; echo pid $$; sleep 0.3; echo ok >> marks/{{#}}"
"#
        ),
    );
    let file = file.to_str().unwrap();
    let first = Live::start(&scratch, &["run", file, "--json"]);
    wait_until("ten jobs to succeed", PATIENCE, || {
        first.count("succeeded") >= 10
    });
    // Without its watchdog, jobdeck's death leaves its programs' groups
    // running (a program started after the watchdog died loses only its
    // leader, by PR_SET_PDEATHSIG): recovery is what must kill them.
    first.kill_watchdog();
    let events = first.kill();
    let succeeded: BTreeSet<String> = events
        .iter()
        .filter(|e| e["event"] == "succeeded")
        .map(|e| e["name"].as_str().unwrap().to_owned())
        .collect();
    let running: BTreeSet<String> = Events(events.clone())
        .names()
        .into_iter()
        .filter(|name| {
            let mine: Vec<&Value> = events.iter().filter(|e| e["name"] == *name).collect();
            mine.iter().any(|e| e["event"] == "started")
                && !mine
                    .iter()
                    .any(|e| e["event"] == "succeeded" || e["event"] == "failed")
        })
        .collect();
    assert!(!running.is_empty(), "some jobs were running at the kill");
    // Every process the first run left: its programs inherited its
    // environment, which names this test's own data folder.
    let mark = format!("JOBDECK_DATA_DIR={}", scratch.data().display());
    let mut first_pids = processes_with(&mark);
    assert!(!first_pids.is_empty(), "the running jobs left processes");
    first_pids.extend(pids_printed(&events));
    assert!(!succeeded.is_empty());

    let ran = finish(scratch.jobdeck(&["run", file, "--resume"]));
    assert_eq!(ran.code, Some(0), "{ran:?}");
    assert!(ran.stderr.contains("resuming run 1"), "{}", ran.stderr);
    // Recovery killed what the first run left (the grandchildren would
    // live a minute): nothing of the first run is alive.
    let alive: Vec<i32> = first_pids
        .iter()
        .copied()
        .filter(|&p| !is_gone(p))
        .collect();
    assert!(
        alive.is_empty(),
        "still alive from the first run: {alive:?}"
    );

    // The jobs running at the kill are those recovery interrupted: every
    // one seen running on stdout, and any that started after the last
    // round was printed.
    let conn = database(&scratch);
    let interrupted: BTreeSet<String> = conn
        .prepare("SELECT name FROM jobs WHERE run = 1 AND state = 'interrupted'")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        interrupted.is_superset(&running),
        "{interrupted:?} {running:?}"
    );
    let counts = markers(&scratch, JOBS);
    for (index, count) in counts.iter().enumerate() {
        let name = format!("job {}", index + 1);
        let allowed = if interrupted.contains(&name) {
            1..=2
        } else {
            1..=1
        };
        assert!(
            allowed.contains(count),
            "{name} succeeded {count} time(s); running at the kill: {}",
            interrupted.contains(&name)
        );
    }
    let ended: String = conn
        .query_row("SELECT ended_how FROM runs WHERE id = 1", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ended, "crashed");
}

#[test]
fn twenty_sigkills_at_random_moments_leave_an_intact_history_with_every_reported_success() {
    let scratch = Scratch::new();
    let file = scratch.write(
        "many.toml",
        "max_threads = 8\n[[job]]\nname = \"n {#}\"\nkind = \"steps\"\ncount = 2000\nsteps = 1\ndelay_ms = 1\n",
    );
    let file = file.to_str().unwrap();
    let mut rng = fastrand::Rng::with_seed(10);
    let mut reported = 0;
    for round in 0..20 {
        let live = Live::start(&scratch, &["run", file, "--json"]);
        // Somewhere between the first jobs being queued and the batch's end.
        wait_until("the jobs to be queued", PATIENCE, || {
            live.count("queued") > 0
        });
        std::thread::sleep(Duration::from_millis(rng.u64(0..400)));
        let events = live.kill();
        let conn = database(&scratch);
        assert_eq!(integrity(&conn), "ok", "after kill {round}");
        let states = recorded_states(&conn);
        for event in events.iter().filter(|e| e["event"] == "succeeded") {
            let job = event["job"].as_str().unwrap();
            reported += 1;
            assert_eq!(
                states.get(job).map(String::as_str),
                Some("succeeded"),
                "kill {round}: {} was reported succeeded",
                event["name"]
            );
        }
    }
    assert!(reported > 0, "some kills came after some successes");
}

#[test]
fn the_joblog_is_read_by_gnu_parallel_which_resumes_exactly_the_failed_jobs() {
    let scratch = Scratch::new();
    std::fs::create_dir_all(scratch.path("marks")).unwrap();
    let codes = ["0", "3", "0", "1", "0"];
    let file = scratch.write(
        "codes.toml",
        &format!(
            "[[job]]\nname = \"exit {{#}}\"\ncommand = \"sh -c 'exit {{}}'\"\ninputs = {codes:?}\n"
        ),
    );
    let ran = scratch.run(&["run", file.to_str().unwrap(), "--joblog", "run.joblog"]);
    assert_eq!(ran.code, Some(1), "{ran:?}");
    let joblog = std::fs::read_to_string(scratch.path("run.joblog")).unwrap();
    let mut lines = joblog.lines();
    assert_eq!(
        lines.next(),
        Some("Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand")
    );
    assert_eq!(lines.count(), codes.len());

    // The same commands through parallel, which runs only what the joblog
    // says did not succeed (jobs 2 and 4), and marks each it runs.
    let mut parallel = std::process::Command::new("parallel");
    parallel
        .args(["--resume-failed", "--joblog", "run.joblog"])
        .arg("echo {#} >> marks/ran; exit 0")
        .arg(":::")
        .args(codes)
        .current_dir(scratch.path(""));
    let out = parallel
        .output()
        .expect("GNU parallel is installed (.ci/run installs it)");
    assert!(out.status.success(), "{out:?}");
    let ran_again = std::fs::read_to_string(scratch.path("marks/ran")).unwrap_or_default();
    let mut ran_again: Vec<&str> = ran_again.lines().collect();
    ran_again.sort_unstable();
    assert_eq!(ran_again, ["2", "4"]);

    // `jobdeck history 1 --joblog` writes the same lines after the fact.
    let ran = scratch.run(&["history", "1", "--joblog", "again.joblog"]);
    assert_eq!(ran.code, Some(0), "{ran:?}");
    let again = std::fs::read_to_string(scratch.path("again.joblog")).unwrap();
    let mut live: Vec<&str> = joblog.lines().collect();
    let mut exported: Vec<&str> = again.lines().collect();
    live.sort_unstable();
    exported.sort_unstable();
    let fields = |line: &str| -> Vec<String> {
        let f: Vec<&str> = line.split('\t').collect();
        vec![
            f[0].into(),
            f[1].into(),
            f[6].into(),
            f[7].into(),
            f[8].into(),
        ]
    };
    assert_eq!(
        live.iter().map(|l| fields(l)).collect::<Vec<_>>(),
        exported.iter().map(|l| fields(l)).collect::<Vec<_>>()
    );
}

#[test]
fn history_lists_runs_and_jobs_and_resume_failed_reruns_only_the_failures() {
    let scratch = Scratch::new();
    let file = scratch.write(
        "two.toml",
        "[[job]]\nname = \"good\"\ncommand = \"true\"\n[[job]]\nname = \"bad\"\ncommand = [\"sh\", \"-c\", \"exit 4\"]\n",
    );
    let file = file.to_str().unwrap();
    assert_eq!(scratch.run(&["run", file]).code, Some(1));

    let ran = scratch.run(&["history", "--json"]);
    assert_eq!(ran.code, Some(0), "{ran:?}");
    let runs: Vec<Value> = ran
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["run"], 1);
    assert_eq!(runs[0]["ended"], "finished");
    assert_eq!(
        runs[0]["counts"],
        serde_json::json!({"succeeded": 1, "failed": 1})
    );

    let ran = scratch.run(&["history", "1", "--json", "--failed"]);
    let jobs: Vec<Value> = ran
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(jobs.len(), 1, "{}", ran.stdout);
    assert_eq!(jobs[0]["name"], "bad");
    assert_eq!(jobs[0]["exit_code"], 4);
    assert_eq!(jobs[0]["seq"], 2);

    let ran = scratch.run(&["history"]);
    assert!(
        ran.stdout.contains("1 succeeded, 1 failed"),
        "{}",
        ran.stdout
    );
    let ran = scratch.run(&["history", "1"]);
    assert!(ran.stdout.contains("exited with code 4"), "{}", ran.stdout);

    let ran = scratch.run(&["history", "7"]);
    assert_eq!(ran.code, Some(2));
    assert!(ran.stderr.contains("no run 7"), "{}", ran.stderr);

    // Plain --resume has nothing to do: both ended.
    let (ran, events) = scratch.run_json(std::path::Path::new(file), &["--resume"]);
    assert_eq!(ran.code, Some(0), "{ran:?}");
    assert!(events.0.is_empty(), "{events:?}");
    let (_, events) = scratch.run_json(std::path::Path::new(file), &["--resume-failed"]);
    assert_eq!(events.names(), BTreeSet::from(["bad".to_owned()]));
}

#[test]
fn resume_refuses_a_file_that_changed_since_its_run() {
    let scratch = Scratch::new();
    let file = scratch.write("f.toml", "[[job]]\nname = \"a\"\ncommand = \"true\"\n");
    let path = file.to_str().unwrap();
    assert_eq!(scratch.run(&["run", path]).code, Some(0));
    scratch.write("f.toml", "[[job]]\nname = \"a\"\ncommand = \"false\"\n");
    let ran = scratch.run(&["run", path, "--resume"]);
    assert_eq!(ran.code, Some(2), "{ran:?}");
    assert!(
        ran.stderr.contains("changed since its last run (run 1)"),
        "{}",
        ran.stderr
    );
}

#[test]
fn jobs_run_when_the_history_cannot_be_saved_and_jobdeck_says_so() {
    let scratch = Scratch::new();
    let file = scratch.write("f.toml", "[[job]]\nname = \"a\"\ncommand = \"true\"\n");
    let blocker = scratch.write("not-a-folder", "a file where the data folder should be");
    let mut command = scratch.jobdeck(&["run", file.to_str().unwrap()]);
    command.env("JOBDECK_DATA_DIR", &blocker);
    let ran = finish(command);
    assert_eq!(ran.code, Some(0), "{ran:?}");
    assert!(ran.stdout.contains("1 job: 1 succeeded"), "{}", ran.stdout);
    assert!(
        ran.stderr.contains("history is not being saved"),
        "{}",
        ran.stderr
    );
}

#[test]
fn two_jobdecks_at_once_both_record_their_runs() {
    let scratch = Scratch::new();
    let file = scratch.write(
        "many.toml",
        "[[job]]\nname = \"n {#}\"\nkind = \"steps\"\ncount = 500\nsteps = 1\ndelay_ms = 1\n",
    );
    let file = file.to_str().unwrap();
    let started = Instant::now();
    let one = scratch
        .jobdeck(&["run", file])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let two = scratch
        .jobdeck(&["run", file])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    for mut child in [one, two] {
        let status = wait_for("jobdeck to exit", PATIENCE, || child.try_wait().unwrap());
        assert!(status.success());
    }
    let conn = database(&scratch);
    let per_run: Vec<(i64, i64)> = conn
        .prepare("SELECT run, COUNT(*) FROM jobs WHERE state = 'succeeded' GROUP BY run")
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(per_run, [(1, 500), (2, 500)], "in {:?}", started.elapsed());
}
