//! Job files: every kind of bad input is refused with its file, line, column
//! and what was expected; good files become the jobs they describe.

mod common;

use std::collections::HashMap;
use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::PATIENCE;
use jobdeck::board::JobView;
use jobdeck::engine::{Event, EventKind, JobId, Outcome};
use jobdeck::jobfile::{self, JobFile};
use jobdeck::jobspec::{After, BuildContext, JobKind, Program};
use jobdeck::session::{Session, Sink, SinkContext};

/// The message a bad fixture is refused with, file and position included.
fn refusal(name: &str) -> String {
    let path = Path::new("tests/fixtures/bad").join(name);
    match jobfile::load(&path) {
        Ok(file) => panic!("{name} was accepted with {} jobs", file.plan.jobs.len()),
        Err(error) => error.to_string(),
    }
}

fn assert_refused(name: &str, position_and_message: &str) {
    assert_eq!(
        refusal(name),
        format!("tests/fixtures/bad/{name}:{position_and_message}")
    );
}

#[test]
fn toml_syntax_errors() {
    assert_refused(
        "syntax.toml",
        "2:21: invalid TOML: invalid basic string, expected `\"`",
    );
}

#[test]
fn unknown_keys_list_the_expected_ones() {
    assert_refused(
        "unknown_key.toml",
        "3:1: unknown key `comand` in [[job]], expected one of: name, kind, count, inputs, \
         inputs_glob, timeout_secs, retries, priority, after, command, cwd, env, shell, \
         progress, progress_regex, grace_secs, executor",
    );
    assert_refused(
        "unknown_top_key.toml",
        "1:1: unknown key `max_thread` at the top level, expected one of: max_threads, log_dir, \
         halt, executor, slurm, job",
    );
    assert_refused(
        "unknown_demo_key.toml",
        "3:1: unknown key `pionts` for kind = \"random_walk\", expected one of: name, kind, \
         count, inputs, inputs_glob, timeout_secs, retries, priority, after, points, \
         min_rate_hz, max_rate_hz, seed",
    );
}

#[test]
fn bad_executors_and_slurm_tables() {
    assert_refused(
        "unknown_executor.toml",
        "1:12: unknown executor `slrum`, expected one of: local, slurm",
    );
    assert_refused(
        "slurm_unknown_key.toml",
        "2:1: unknown key `partiton` in [slurm], expected one of: partition, account, \
         output_dir, extra_args",
    );
    assert_refused(
        "slurm_not_table.toml",
        "1:9: `slurm` must be a table, written [slurm], with keys partition, account, output_dir \
         and extra_args",
    );
    assert_refused(
        "executor_on_demo.toml",
        "3:1: unknown key `executor` for kind = \"steps\", expected one of: name, kind, count, \
         inputs, inputs_glob, timeout_secs, retries, priority, after, steps, delay_ms",
    );
    assert_refused(
        "slurm_empty_partition.toml",
        "4:13: `partition` is empty; leave it out to use the cluster's default",
    );
    assert_refused(
        "slurm_extra_args_type.toml",
        "2:14: `extra_args` must be an array of strings, found a string",
    );
}

#[test]
fn command_jobs_run_where_the_file_or_their_job_says_and_demos_stay_local() {
    use jobdeck::executor::slurm::SlurmSettings;
    use jobdeck::jobfile::LoadOptions;
    use jobdeck::jobspec::{Executor, ExecutorKind};

    let text = r#"
executor = "slurm"

[slurm]
partition = "short"
account = "lab"
output_dir = "out"
extra_args = ["--mem=1G"]

[[job]]
name = "remote"
command = ["true"]

[[job]]
name = "here"
command = ["true"]
executor = "local"

[[job]]
kind = "steps"
"#;
    let executor_of = |file: &JobFile, name: &str| {
        let job = file
            .plan
            .jobs
            .iter()
            .find(|job| job.spec.name == name)
            .unwrap();
        match &job.spec.kind {
            JobKind::Command(command) => Some(command.executor.clone()),
            JobKind::Demo(_) => None,
        }
    };
    let path = Path::new("/data/jobs.toml");
    let file = jobfile::parse(text, path).unwrap();
    let settings = SlurmSettings {
        partition: Some("short".into()),
        account: Some("lab".into()),
        output_dir: Some("/data/out".into()),
        extra_args: vec!["--mem=1G".into()],
    };
    assert_eq!(
        executor_of(&file, "remote"),
        Some(Executor::Slurm(Arc::new(settings)))
    );
    assert_eq!(executor_of(&file, "here"), Some(Executor::Local));
    assert_eq!(executor_of(&file, "steps"), None);
    assert_eq!(file.plan.clusters().len(), 1);

    // `--executor local` replaces the file's choice, not a job's own.
    let local = jobfile::parse_with(
        text,
        path,
        LoadOptions {
            executor: Some(ExecutorKind::Local),
        },
    )
    .unwrap();
    assert_eq!(executor_of(&local, "remote"), Some(Executor::Local));
    assert!(local.plan.clusters().is_empty());
    let plain = "[[job]]\nname = \"a\"\ncommand = [\"true\"]\n";
    let slurm = jobfile::parse_with(
        plain,
        path,
        LoadOptions {
            executor: Some(ExecutorKind::Slurm),
        },
    )
    .unwrap();
    assert_eq!(
        executor_of(&slurm, "a"),
        Some(Executor::Slurm(Arc::default()))
    );
    assert_eq!(
        executor_of(&jobfile::parse(plain, path).unwrap(), "a"),
        Some(Executor::Local),
        "local unless something says otherwise"
    );
}

#[test]
fn wrong_types() {
    assert_refused(
        "wrong_type.toml",
        "3:16: `timeout_secs` must be a positive number of seconds, found a string",
    );
    assert_refused(
        "command_item_type.toml",
        "2:21: `command` items must be strings, found an integer",
    );
    assert_refused(
        "env_not_string.toml",
        "3:19: `env.THREADS` must be a string, found an integer",
    );
    assert_refused(
        "job_not_array.toml",
        "1:1: `job` must be an array of tables, written [[job]]",
    );
}

#[test]
fn out_of_range_numbers() {
    assert_refused(
        "max_threads_zero.toml",
        "1:15: `max_threads` must be an integer from 1 to 1024, found 0",
    );
    assert_refused(
        "max_threads_too_big.toml",
        "1:15: `max_threads` must be an integer from 1 to 1024, found 5000",
    );
    assert_refused(
        "negative_timeout.toml",
        "3:16: `timeout_secs` must be a positive number of seconds, found -5",
    );
    assert_refused(
        "retries_too_many.toml",
        "3:11: `retries` must be an integer from 0 to 100, found 1000",
    );
    assert_refused(
        "demo_param_range.toml",
        "3:9: `steps` must be an integer from 1 to 1000000, found 0",
    );
}

#[test]
fn commands_that_cannot_run() {
    assert_refused(
        "empty_command.toml",
        "3:11: `command` is empty, expected a program and its arguments, such as \
         [\"gzip\", \"-k\", \"{}\"]",
    );
    assert_refused(
        "unclosed_quote.toml",
        "2:11: `command` has an unclosed quote or a trailing backslash; close it, or give \
         an array of arguments",
    );
    assert_refused(
        "no_command_or_kind.toml",
        "1:1: a [[job]] needs `command` (a program to run) or `kind` (one of: steps, \
         random_walk, flaky_division, sum_range)",
    );
    assert_refused(
        "unknown_kind.toml",
        "2:8: unknown kind `ranodm_walk`, expected one of: command, steps, random_walk, \
         flaky_division, sum_range",
    );
    assert_refused(
        "no_jobs.toml",
        "3:1: no jobs: expected at least one [[job]] table with a `command` or a `kind`",
    );
}

#[test]
fn batches_that_make_no_sense() {
    assert_refused(
        "inputs_and_glob.toml",
        "4:1: `inputs` and `inputs_glob` cannot both be set; use one of them",
    );
    assert_refused(
        "count_with_inputs.toml",
        "4:1: `count` cannot be combined with `inputs`: a batch has one job per input",
    );
    assert_refused(
        "glob_no_match.toml",
        "3:15: `inputs_glob` pattern `no-such-dir/*.log` matched no files",
    );
    assert_refused(
        "glob_root.toml",
        "3:15: `inputs_glob` pattern `/**/*.log` would walk the whole filesystem; start it \
         with the folder that holds the inputs, such as `/data/**/*.csv`",
    );
    assert_refused(
        "empty_inputs.toml",
        "3:10: `inputs` is empty, expected at least one input",
    );
    assert_refused(
        "placeholder_in_command.toml",
        "3:11: `{}` needs `inputs` or `inputs_glob`; without inputs only `{#}` (the job \
         number) is defined",
    );
    assert_refused(
        "placeholder_without_inputs.toml",
        "2:8: `{/}` needs `inputs` or `inputs_glob`; without inputs only `{#}` (the job \
         number) is defined",
    );
}

#[test]
fn progress_regexes() {
    assert_refused(
        "bad_regex.toml",
        "3:18: `progress_regex` is not a valid regex: unclosed group",
    );
    assert_refused(
        "regex_groups.toml",
        "3:18: `progress_regex` must have 1 capture group (a percentage) or 2 (done and \
         total), found 0",
    );
}

#[test]
fn progress_formats() {
    assert_refused(
        "progress_unknown.toml",
        "3:12: `progress` must be one of \"auto\", \"percent\", \"fraction\", \"regex\", \
         \"none\", found \"percentage\"",
    );
    assert_refused(
        "progress_regex_unused.toml",
        "4:1: `progress_regex` is only read with progress = \"regex\" (or without \
         `progress`), not with progress = \"percent\"",
    );
    assert_refused(
        "progress_regex_missing.toml",
        "3:12: progress = \"regex\" needs a `progress_regex`",
    );
}

#[test]
fn halt_policies() {
    assert_refused(
        "halt_policy.toml",
        "1:8: `halt`: `now,fail=0` is not a halt policy: N must be a whole number from 1, or \
         a percentage; expected WHEN,WHY=N such as now,fail=1 or soon,fail=10% (WHEN: now or \
         soon; WHY: fail, success or done; N: a count from 1, or a percentage above 0 up to \
         100%), or never",
    );
    let file = jobfile::parse(
        "halt = \"soon,fail=10%\"\n[[job]]\ncommand = [\"true\"]\n",
        Path::new("halt.toml"),
    )
    .unwrap();
    assert_eq!(file.halt.unwrap().to_string(), "soon,fail=10%");
    let never = jobfile::parse(
        "halt = \"never\"\n[[job]]\ncommand = [\"true\"]\n",
        Path::new("halt.toml"),
    )
    .unwrap();
    assert_eq!(never.halt, None);
}

#[test]
fn dependencies() {
    assert_refused(
        "missing_after.toml",
        "8:10: `after` names `bulid`, but no job is called that; expected one of: build, test",
    );
    assert_refused("cycle.toml", "4:10: dependency cycle: a -> b -> c -> a");
    assert_refused(
        "empty_name.toml",
        "2:8: `name` is empty; give a name, or leave `name` out to use the command or kind",
    );
    assert_refused(
        "duplicate_name.toml",
        "6:8: duplicate job name `build` (first used at 2:8); names must be unique, \
         placeholders such as {#} or {/} help",
    );
}

#[test]
fn every_bad_fixture_has_a_test() {
    let tested = include_str!("jobfile.rs");
    for entry in std::fs::read_dir("tests/fixtures/bad").unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(
            tested.contains(&format!("\"{name}\",")),
            "{name} has no test"
        );
    }
}

#[test]
fn a_missing_file_cannot_be_read() {
    let error = jobfile::load(Path::new("tests/fixtures/no-such-file.toml")).unwrap_err();
    assert_eq!(
        error.to_string(),
        "tests/fixtures/no-such-file.toml: cannot read: No such file or directory"
    );
    assert_eq!(error.location(), None);
}

#[test]
fn parse_names_the_given_path() {
    let error = jobfile::parse("[[job]]\nkind = 3\n", Path::new("inline.toml")).unwrap_err();
    assert_eq!(
        error.to_string(),
        "inline.toml:2:8: `kind` must be a string, found an integer"
    );
    let location = error.location().unwrap();
    assert_eq!((location.line, location.column), (2, 8));
    assert_eq!(error.message(), "`kind` must be a string, found an integer");
}

fn good(name: &str) -> JobFile {
    jobfile::load(&Path::new("tests/fixtures/good").join(name))
        .unwrap_or_else(|error| panic!("{error}"))
}

/// A good fixture with `log_dir` set to `logs`, so running it writes its
/// full logs there instead of the user's data directory.
fn good_logging_to(name: &str, logs: &Path) -> JobFile {
    let path = Path::new("tests/fixtures/good").join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    let text = format!("log_dir = {:?}\n{text}", logs.to_str().unwrap());
    jobfile::parse(&text, &path).unwrap_or_else(|error| panic!("{error}"))
}

fn names(file: &JobFile) -> Vec<&str> {
    file.plan
        .jobs
        .iter()
        .map(|job| job.spec.name.as_str())
        .collect()
}

fn summaries(file: &JobFile) -> Vec<String> {
    file.plan
        .jobs
        .iter()
        .map(|job| job.spec.summary())
        .collect()
}

#[test]
fn a_glob_batch_expands_in_sorted_order_with_placeholders() {
    let file = good("batch.toml");
    assert_eq!(file.max_threads, Some(3));
    assert_eq!(
        names(&file),
        ["count a", "count b", "count c d", "summary", "just b"]
    );
    assert_eq!(
        summaries(&file),
        [
            "wc -l inputs/a.txt",
            "wc -l inputs/b.txt",
            "wc -l 'inputs/c d.txt'",
            "echo all counted 1",
            "echo b is 'inputs/b.txt' in 'inputs'",
        ]
    );
    assert!(
        file.plan
            .jobs
            .iter()
            .all(|job| job.spec.kind.key() == "command")
    );
}

#[test]
fn after_a_batch_name_means_every_job_of_it_through_one_barrier() {
    let file = good("batch.toml");
    let batch: Vec<JobId> = file.plan.jobs[..3].iter().map(|job| job.id).collect();
    // Both jobs after the batch wait for one barrier, which waits for it all.
    let [barrier] = file.plan.barriers.as_slice() else {
        panic!("one barrier: {:?}", file.plan.barriers);
    };
    assert_eq!(barrier.members, batch);
    assert_eq!(file.plan.jobs[3].after, [barrier.id]);
    assert_eq!(file.plan.jobs[4].after, [barrier.id]);
    // The specs say it by name, as the file does.
    let by_batch = After::Batch(Arc::from("count {/.}"));
    assert_eq!(file.plan.jobs[3].spec.after, [by_batch]);
    assert_eq!(file.plan.jobs[0].spec.batch.as_deref(), Some("count {/.}"));
    let first = &file.plan.jobs[0].spec;
    assert_eq!(first.priority, 5);
    assert_eq!(first.retries, 2);
    assert_eq!(first.timeout, Some(Duration::from_secs(30)));
}

#[test]
fn after_a_batch_of_one_or_a_job_name_is_a_plain_dependency() {
    let file = jobfile::parse(
        "[[job]]\nname = \"build\"\ncommand = [\"true\"]\n\n\
         [[job]]\nname = \"test {#}\"\ncommand = [\"true\"]\ncount = 2\n\n\
         [[job]]\nname = \"ship\"\ncommand = [\"true\"]\nafter = [\"build\", \"test 2\"]\n",
        Path::new("t.toml"),
    )
    .unwrap_or_else(|error| panic!("{error}"));
    assert!(file.plan.barriers.is_empty());
    let ids: Vec<JobId> = file.plan.jobs.iter().map(|job| job.id).collect();
    assert_eq!(file.plan.jobs[3].after, [ids[0], ids[2]]);
    assert_eq!(
        file.plan.jobs[3].spec.after,
        [
            After::Batch(Arc::from("build")),
            After::Job("test 2".to_owned())
        ]
    );
}

#[test]
fn a_hundred_thousand_unnamed_copies_are_numbered_apart() {
    // This was quadratic: each copy counted up from " (2)" again.
    let file = jobfile::parse(
        "[[job]]\ncommand = [\"true\"]\ncount = 100000\n",
        Path::new("t.toml"),
    )
    .unwrap_or_else(|error| panic!("{error}"));
    let names = names(&file);
    assert_eq!(names.len(), 100_000);
    assert_eq!(names[..3], ["true", "true (2)", "true (3)"]);
    assert_eq!(names[99_999], "true (100000)");
    let unique: std::collections::HashSet<&str> = names.iter().copied().collect();
    assert_eq!(unique.len(), names.len());
}

#[test]
fn default_names_skip_the_numbers_a_name_key_took() {
    let file = jobfile::parse(
        "[[job]]\nname = \"steps (3)\"\nkind = \"steps\"\n\
         [[job]]\nkind = \"steps\"\n[[job]]\nkind = \"steps\"\n\
         [[job]]\nkind = \"steps\"\n[[job]]\nname = \"steps\"\nkind = \"steps\"\n",
        Path::new("t.toml"),
    )
    .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(
        names(&file),
        ["steps (3)", "steps (2)", "steps (4)", "steps (5)", "steps"]
    );
}

#[test]
fn demo_jobs_and_counts() {
    let file = good("demos.toml");
    assert_eq!(file.max_threads, None);
    assert_eq!(
        names(&file),
        [
            "steps",
            "random_walk #1",
            "random_walk #2",
            "sum",
            "divide 1",
            "divide 2",
            "steps (2)",
        ]
    );
    let kinds: Vec<&str> = file
        .plan
        .jobs
        .iter()
        .map(|job| job.spec.kind.key())
        .collect();
    assert_eq!(
        kinds,
        [
            "steps",
            "random_walk",
            "random_walk",
            "sum_range",
            "flaky_division",
            "flaky_division",
            "steps"
        ]
    );
    assert_eq!(file.plan.jobs[0].spec.summary(), "steps: 3 steps of 1 ms");
    assert_eq!(
        file.plan.jobs[3].spec.summary(),
        "sum_range: 0..1000 in 10 chunks"
    );
}

/// How one job of a run ended, with its log and last progress.
type Ended = (Outcome, Vec<String>, Option<f32>);

/// One job of a run so far: its log, its last progress, how it ended.
type Seen = (Vec<String>, Option<f32>, Option<Outcome>);

/// A sink that keeps, per job name, what it saw of the job.
#[derive(Clone, Default)]
struct Collect(Arc<Mutex<HashMap<String, Seen>>>);

impl Sink for Collect {
    fn submitted(&mut self, _job: &JobView, _cx: &SinkContext<'_>) -> io::Result<()> {
        Ok(())
    }

    fn event(&mut self, event: &Event, cx: &SinkContext<'_>) -> io::Result<()> {
        let name = cx.board.job(event.job).expect("a known job").name();
        let mut jobs = self.0.lock().unwrap();
        let entry = jobs.entry(name.to_owned()).or_default();
        match &event.kind {
            EventKind::Log { lines, .. } => {
                entry.0.extend(lines.iter().map(|line| line.text.clone()));
            }
            EventKind::Progress(value) => entry.1 = Some(*value),
            EventKind::Finished(outcome) => entry.2 = Some(outcome.clone()),
            _ => {}
        }
        Ok(())
    }
}

/// Runs every job of `file` through a session and returns, by name, how
/// each ended and its log and last progress.
fn run_all(file: JobFile) -> HashMap<String, Ended> {
    let collect = Collect::default();
    let mut session = Session::new(file.max_threads.unwrap_or(2), BuildContext::default()).unwrap();
    session.add_sink(Box::new(collect.clone()));
    session.submit(file.plan).unwrap();
    let deadline = Instant::now() + PATIENCE;
    while session.board().live_jobs() > 0 {
        assert!(Instant::now() < deadline, "every job ends in time");
        session
            .wait(Duration::from_millis(20), Duration::from_millis(4))
            .unwrap();
    }
    let jobs = collect.0.lock().unwrap().clone();
    jobs.into_iter()
        .map(|(name, (lines, progress, outcome))| {
            (name, (outcome.expect("every job ended"), lines, progress))
        })
        .collect()
}

#[test]
fn a_batch_file_runs_in_the_files_directory() {
    let logs = tempfile::tempdir().unwrap();
    let file = good_logging_to("batch.toml", logs.path());
    let count_a = file.plan.jobs[0].id;
    let results = run_all(file);
    for (name, (outcome, _, _)) in &results {
        assert!(
            matches!(outcome, Outcome::Succeeded(_)),
            "{name}: {outcome:?}"
        );
    }
    assert_eq!(results["count a"].1, ["1 inputs/a.txt"]);
    assert_eq!(results["count c d"].1, ["3 inputs/c d.txt"]);
    assert_eq!(results["just b"].1, ["b is inputs/b.txt in inputs"]);
    // `log_dir` holds every command's full log, named by job id, each with
    // the marks of its streams beside it.
    let log = logs.path().join(format!("{count_a}.log"));
    assert_eq!(std::fs::read_to_string(log).unwrap(), "1 inputs/a.txt\n");
    let extensions: Vec<String> = std::fs::read_dir(logs.path())
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            path.extension().unwrap().to_string_lossy().into_owned()
        })
        .collect();
    let count = |extension: &str| extensions.iter().filter(|e| *e == extension).count();
    assert_eq!((count("log"), count("streams")), (5, 5), "{extensions:?}");
}

#[test]
fn command_forms_run_as_written() {
    let logs = tempfile::tempdir().unwrap();
    let results = run_all(good_logging_to("commands.toml", logs.path()));
    let lines = |name: &str| {
        results
            .get(name)
            .unwrap_or_else(|| panic!("no {name:?} in {:?}", results.keys()))
            .1
            .clone()
    };
    assert_eq!(lines(r#"printf "a b\\n""#), ["a b"]);
    assert_eq!(lines("copies #2"), ["copy 2"]);
    // Inputs go only where placeholders are: nothing is appended.
    assert_eq!(lines("no placeholder #1"), ["same"]);
    assert_eq!(lines("no placeholder #2"), ["same"]);
    // Shell-quoted, so the apostrophe and space survive `sh -c`.
    assert_eq!(lines("quoted"), ["it's here"]);
    assert_eq!(results["regex"].2, Some(0.75));
    // A ratio on a line of text is progress only when the job says so.
    assert_eq!(results["percent"].2, Some(0.4));
    assert_eq!(results["auto"].2, None);
    for (name, (outcome, _, _)) in &results {
        assert!(
            matches!(outcome, Outcome::Succeeded(_)),
            "{name}: {outcome:?}"
        );
    }
}

#[test]
fn the_shipped_examples_are_valid() {
    let mut checked = 0;
    for entry in std::fs::read_dir("assets/examples").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|ext| ext == "toml") {
            let file = jobfile::load(&path).unwrap_or_else(|error| panic!("{error}"));
            assert!(!file.plan.jobs.is_empty(), "{} has jobs", path.display());
            checked += 1;
        }
    }
    assert!(checked >= 3, "found {checked} examples");
}

#[test]
fn the_command_examples_run_and_succeed() {
    for name in ["batch-glob.toml", "command-progress.toml"] {
        let path = Path::new("assets/examples").join(name);
        let logs = tempfile::tempdir().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let text = format!("log_dir = {:?}\n{text}", logs.path().to_str().unwrap());
        let file = jobfile::parse(&text, &path).unwrap_or_else(|error| panic!("{error}"));
        let results = run_all(file);
        for (job, (outcome, lines, progress)) in &results {
            assert!(
                matches!(outcome, Outcome::Succeeded(_)),
                "{name}: {job}: {outcome:?} {lines:?}"
            );
            if name == "command-progress.toml" {
                assert_eq!(*progress, Some(1.0), "{job} reaches 100%");
            }
        }
    }
}

fn parse_error(text: &str) -> String {
    match jobfile::parse(text, Path::new("t.toml")) {
        Ok(file) => panic!("accepted with {} jobs: {text}", file.plan.jobs.len()),
        Err(error) => error.to_string(),
    }
}

#[test]
fn values_toml_allows_but_a_job_file_does_not() {
    let job = "[[job]]\ncommand = [\"true\"]\n";
    assert_eq!(
        parse_error(&format!("{job}count = 1.5\n")),
        "t.toml:3:9: `count` must be an integer from 1 to 100000, found a float"
    );
    assert_eq!(
        parse_error(&format!("{job}timeout_secs = inf\n")),
        "t.toml:3:16: `timeout_secs` must be a positive number of seconds, found inf"
    );
    assert_eq!(
        parse_error(&format!("{job}timeout_secs = 1979-05-27\n")),
        "t.toml:3:16: `timeout_secs` must be a positive number of seconds, found a date-time"
    );
    assert_eq!(
        parse_error(&format!("{job}shell = \"yes\"\n")),
        "t.toml:3:9: `shell` must be true or false, found a string"
    );
    assert_eq!(
        parse_error(&format!("{job}inputs_glob = \"[\"\n")),
        "t.toml:3:15: `inputs_glob` is not a valid pattern: invalid range pattern"
    );
    assert_eq!(
        parse_error("[[job]]\nname = \"a\"\ncommand = [\"true\"]\nafter = [\"a\"]\n"),
        "t.toml:4:10: dependency cycle: a -> a"
    );
    assert_eq!(
        parse_error("max_threads = 2\njob = []\n"),
        "t.toml:2:7: no jobs: expected at least one [[job]] table with a `command` or a `kind`"
    );
}

#[test]
fn other_toml_shapes_of_the_same_jobs() {
    let inline = jobfile::parse(
        "job = [{ command = [\"true\"] }, { kind = \"steps\", timeout_secs = 0.25 }]\n",
        Path::new("t.toml"),
    )
    .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(names(&inline), ["true", "steps"]);
    assert_eq!(
        inline.plan.jobs[1].spec.timeout,
        Some(Duration::from_millis(250))
    );

    let subtable = jobfile::parse(
        "[[job]]\ncommand = [\"env\"]\n[job.env]\nA = \"1\"\n",
        Path::new("t.toml"),
    )
    .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(names(&subtable), ["env"]);
    let JobKind::Command(command) = &subtable.plan.jobs[0].spec.kind else {
        panic!("a command");
    };
    assert_eq!(command.program, Program::Argv(vec!["env".to_owned()]));
    assert_eq!(command.env, [("A".to_owned(), "1".to_owned())]);
}
