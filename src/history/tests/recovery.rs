//! Crash recovery: crashed runs are interrupted, their leftover process
//! groups killed (only theirs), cluster jobs followed again on resume.

use super::*;

/// Writes a run as a jobdeck that died would have left it: owned by a
/// process that is gone, one job running in `group`, one queued.
fn crashed_run(history: &History, job: JobId, group: u32, start: Option<u64>) -> RunId {
    let mut dead = std::process::Command::new("true").spawn().unwrap();
    let dead_pid = dead.id();
    dead.wait().unwrap();
    let conn = Connection::open(history.path()).unwrap();
    conn.execute(
        "INSERT INTO runs (max_threads, version, started_at, owner_pid, owner_start)
         VALUES (2, '0', 100.0, ?1, 1)",
        [dead_pid],
    )
    .unwrap();
    let run = conn.last_insert_rowid();
    let spec = serde_json::to_string(&steps("x")).unwrap();
    conn.execute(
        "INSERT INTO jobs (uuid, run, seq, name, spec, state, queued_at, started_at, pid, pgid,
         process_start) VALUES (?1, ?2, 1, 'running', ?3, 'running', 100.0, 101.0, ?4, ?4, ?5)",
        params![job.to_string(), run, spec, group, start.map(|s| s as i64)],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO jobs (uuid, run, seq, name, spec, state, queued_at)
         VALUES (?1, ?2, 2, 'waiting', ?3, 'queued', 100.0)",
        params![JobId::new().to_string(), run, spec],
    )
    .unwrap();
    RunId(run)
}

/// A process in its own group, deaf to SIGTERM, with `JOBDECK_JOB_ID`.
fn leftover(job: JobId) -> std::process::Child {
    std::process::Command::new("sh")
        .args(["-c", "trap '' TERM; sleep 300 & wait"])
        .env("JOBDECK_JOB_ID", job.to_string())
        .process_group(0)
        .spawn()
        .unwrap()
}

#[test]
fn recovery_interrupts_a_crashed_run_and_kills_what_it_left_running() {
    let dir = tempfile::tempdir().unwrap();
    drop(History::open(dir.path(), Retention::default()));
    let history = History::open(dir.path(), Retention::default());
    let job = JobId::new();
    let mut child = leftover(job);
    let pid = child.id();
    let run = crashed_run(&history, job, pid, crate::procfs::start_ticks(pid));
    drop(history);

    let mut history = History::open(dir.path(), Retention::default());
    let recovery = history.recovery().clone();
    assert_eq!(recovery.runs, [run]);
    assert_eq!(recovery.interrupted, 1);
    assert_eq!(recovery.killed_groups, 1);
    assert_eq!(recovery.queued.len(), 1);
    assert_eq!(recovery.queued[0].name, "waiting");
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the leftover is still running");
        std::thread::sleep(Duration::from_millis(5));
    };
    assert!(!status.success(), "the leftover was killed: {status:?}");
    assert!(crate::procfs::group_members(pid).is_empty());
    let notices = history.take_notices();
    assert!(
        notices[0].contains("1 running job(s) marked interrupted"),
        "{notices:?}"
    );
    let states: Vec<JobState> = history.jobs(run).unwrap().iter().map(|j| j.state).collect();
    assert_eq!(states, [JobState::Interrupted, JobState::Queued]);
    assert_eq!(
        history.run(run).unwrap().unwrap().ended_how,
        Some(RunEnd::Crashed)
    );
}

#[test]
fn recovery_leaves_a_group_that_is_not_the_jobs_alone() {
    let dir = tempfile::tempdir().unwrap();
    let history = History::open(dir.path(), Retention::default());
    // A live group whose leader started at another time than recorded and
    // whose processes carry another job's id: a pid reused since.
    let mut child = leftover(JobId::new());
    let pid = child.id();
    let start = crate::procfs::start_ticks(pid).unwrap();
    crashed_run(&history, JobId::new(), pid, Some(start + 1));
    drop(history);
    let history = History::open(dir.path(), Retention::default());
    assert_eq!(history.recovery().interrupted, 1);
    assert_eq!(history.recovery().killed_groups, 0);
    assert!(child.try_wait().unwrap().is_none(), "still running");
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = nix::sys::signal::killpg(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGKILL,
    );
}

#[test]
fn an_interrupted_cluster_job_is_followed_again_by_its_remote_id_on_resume() {
    let dir = tempfile::tempdir().unwrap();
    let history = History::open(dir.path(), Retention::default());
    let mut dead = std::process::Command::new("true").spawn().unwrap();
    let dead_pid = dead.id();
    dead.wait().unwrap();
    let file = dir.path().join("jobs.toml");
    let conn = Connection::open(history.path()).unwrap();
    conn.execute(
        "INSERT INTO runs (file, file_hash, max_threads, version, started_at, owner_pid,
         owner_start) VALUES (?1, 'h', 2, '0', 100.0, ?2, 1)",
        params![file.to_string_lossy(), dead_pid],
    )
    .unwrap();
    let run = conn.last_insert_rowid();
    let mut slurm = CommandSpec::new(Program::Argv(vec!["sleep".into(), "20".into()]));
    slurm.executor = crate::jobspec::Executor::Slurm(Arc::default());
    let spec = |name: &str| {
        let spec = JobSpec::new(name, JobKind::Command(slurm.clone()));
        serde_json::to_string(&spec).unwrap()
    };
    // Running on the cluster when jobdeck died, done there before it died,
    // and a local one: only the first is followed again.
    for (seq, name, state, remote_id) in [
        (1, "in flight", "running", Some("41")),
        (2, "done", "succeeded", Some("40")),
        (3, "local", "running", None),
    ] {
        conn.execute(
            "INSERT INTO jobs (uuid, run, seq, name, spec, state, queued_at, started_at,
             remote_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 100.0, 101.0, ?7)",
            params![
                JobId::new().to_string(),
                run,
                seq,
                name,
                spec(name),
                state,
                remote_id
            ],
        )
        .unwrap();
    }
    drop(history);

    let history = History::open(dir.path(), Retention::default());
    assert_eq!(history.recovery().interrupted, 2);
    assert_eq!(history.recovery().killed_groups, 0);
    let previous = resume::previous(&history, &file, "h").unwrap();
    assert_eq!(
        previous.remote_ids,
        HashMap::from([("in flight".to_owned(), "41".to_owned())])
    );
    let plan = Plan {
        jobs: ["in flight", "done", "local"]
            .into_iter()
            .map(|name| {
                let spec = JobSpec::new(name, JobKind::Command(slurm.clone()));
                PlannedJob::new(JobId::new(), Arc::new(spec), Vec::new())
            })
            .collect(),
        barriers: Vec::new(),
    };
    for mode in [resume::Mode::Resume, resume::Mode::ResumeFailed] {
        let resumed = resume::resume(plan.clone(), &previous, mode);
        let followed: Vec<(&str, Option<&str>)> = resumed
            .plan
            .jobs
            .iter()
            .map(|job| (job.spec.name.as_str(), job.remote_id.as_deref()))
            .collect();
        assert_eq!(followed, [("in flight", Some("41")), ("local", None)]);
    }
}

#[test]
fn a_run_another_live_jobdeck_owns_is_not_recovered() {
    let dir = tempfile::tempdir().unwrap();
    let history = History::open(dir.path(), Retention::default());
    let parent = std::os::unix::process::parent_id();
    let conn = Connection::open(history.path()).unwrap();
    conn.execute(
        "INSERT INTO runs (max_threads, version, started_at, owner_pid, owner_start)
         VALUES (2, '0', 100.0, ?1, ?2)",
        params![parent, crate::procfs::start_ticks(parent).unwrap() as i64],
    )
    .unwrap();
    drop(history);
    let history = History::open(dir.path(), Retention::default());
    assert!(history.recovery().runs.is_empty());
}
