use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::executor::slurm::SlurmSettings;
use crate::jobs::{DemoJob, FlakyDivision, RandomWalk, Steps, SumRange};

/// One spec of every kind, each with its parameters away from the defaults.
fn one_of_each() -> Vec<JobSpec> {
    let demos = [
        DemoJob::Steps(Steps {
            steps: 7,
            delay_ms: 3,
        }),
        DemoJob::RandomWalk(RandomWalk {
            points: 11,
            min_rate_hz: 0.25,
            max_rate_hz: 1e6,
            seed: Some(u64::MAX),
        }),
        DemoJob::FlakyDivision(FlakyDivision {
            min_steps: 2,
            max_steps: 31,
            delay_ms: 0,
            seed: None,
        }),
        DemoJob::SumRange(SumRange {
            end: u64::MAX,
            chunks: 9,
        }),
    ];
    let mut specs: Vec<JobSpec> = demos
        .into_iter()
        .map(|demo| JobSpec::new(demo.kind().key(), JobKind::Demo(demo)))
        .collect();
    let mut argv = CommandSpec::new(Program::Argv(vec![
        "gzip".into(),
        "-k".into(),
        "a b".into(),
    ]));
    argv.cwd = Some(PathBuf::from("/data/in"));
    argv.env = vec![("Z".into(), "1".into()), ("A".into(), "two words".into())];
    argv.progress = ProgressFormat::Regex(ProgressRegex::new(r"(\d+)/(\d+)").unwrap());
    argv.grace = Some(Duration::from_millis(1500));
    argv.log_dir = Some(PathBuf::from("logs"));
    let mut full = JobSpec::new("compress a b", JobKind::Command(argv));
    full.batch = Some(Arc::from("compress {}"));
    full.timeout = Some(Duration::from_secs_f64(0.25));
    full.retries = 3;
    full.priority = -7;
    full.after = vec![
        After::Job("fetch".into()),
        After::Batch(Arc::from("prep {#}")),
    ];
    specs.push(full);
    specs.push(JobSpec::new(
        "script",
        JobKind::Command(CommandSpec::new(Program::Shell("echo 'hi' | wc -c".into()))),
    ));
    let mut on_slurm = CommandSpec::new(Program::Argv(vec!["render".into()]));
    on_slurm.executor = Executor::Slurm(Arc::new(SlurmSettings {
        partition: Some("gpu".into()),
        extra_args: vec!["--mem=4G".into()],
        ..SlurmSettings::default()
    }));
    let mut on_slurm = JobSpec::new("render", JobKind::Command(on_slurm));
    on_slurm.timeout = Some(Duration::from_secs(90));
    specs.push(on_slurm);
    let mut plain_slurm = CommandSpec::new(Program::Argv(vec!["true".into()]));
    plain_slurm.executor = Executor::Slurm(Arc::default());
    specs.push(JobSpec::new("true", JobKind::Command(plain_slurm)));
    specs
}

#[test]
fn every_kind_survives_a_json_round_trip() {
    for spec in one_of_each() {
        let json = serde_json::to_string(&spec).unwrap();
        let back: JobSpec =
            serde_json::from_str(&json).unwrap_or_else(|error| panic!("{error}: {json}"));
        assert_eq!(back, spec, "{json}");
    }
}

#[test]
fn the_json_form_is_flat_and_leaves_defaults_out() {
    let specs = one_of_each();
    let steps = serde_json::to_value(&specs[0]).unwrap();
    assert_eq!(
        steps,
        serde_json::json!({"name": "steps", "kind": "steps", "steps": 7, "delay_ms": 3})
    );
    let command = serde_json::to_value(&specs[4]).unwrap();
    assert_eq!(
        command,
        serde_json::json!({
            "name": "compress a b",
            "batch": "compress {}",
            "kind": "command",
            "argv": ["gzip", "-k", "a b"],
            "cwd": "/data/in",
            "env": {"Z": "1", "A": "two words"},
            "progress_regex": r"(\d+)/(\d+)",
            "grace_secs": 1.5,
            "log_dir": "logs",
            "timeout_secs": 0.25,
            "retries": 3,
            "priority": -7,
            "after": [{"job": "fetch"}, {"batch": "prep {#}"}],
        })
    );
    // The env keeps its order through text, not only through a Value.
    let text = serde_json::to_string(&specs[4]).unwrap();
    assert!(
        text.contains(r#""env":{"Z":"1","A":"two words"}"#),
        "{text}"
    );
    let script = serde_json::to_value(&specs[5]).unwrap();
    assert_eq!(script["shell"], "echo 'hi' | wc -c");
    assert_eq!(
        serde_json::to_value(&specs[6]).unwrap(),
        serde_json::json!({
            "name": "render",
            "kind": "command",
            "argv": ["render"],
            "executor": "slurm",
            "slurm": {"partition": "gpu", "extra_args": ["--mem=4G"]},
            "timeout_secs": 90.0,
        })
    );
    let plain = serde_json::to_value(&specs[7]).unwrap();
    assert_eq!(plain["executor"], "slurm");
    assert!(plain.get("slurm").is_none(), "default settings left out");
}

#[test]
fn slurm_settings_without_the_slurm_executor_are_refused() {
    let error = serde_json::from_str::<JobSpec>(
        r#"{"name": "x", "kind": "command", "argv": ["t"], "slurm": {"partition": "gpu"}}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("`slurm` settings are given for a job that runs locally"),
        "{error}"
    );
    let unknown = serde_json::from_str::<JobSpec>(
        r#"{"name": "x", "kind": "command", "argv": ["t"], "executor": "ray"}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(unknown.contains("unknown variant `ray`"), "{unknown}");
}

#[test]
fn a_slurm_command_leaves_its_timeout_to_the_cluster_and_keeps_no_local_log() {
    let spec = &one_of_each()[6];
    let context = BuildContext::default();
    let job = spec.build(JobId::new(), &context);
    assert!(
        format!("{job:?}").contains("timeout: None"),
        "queue time must not count: {job:?}"
    );
    let JobKind::Command(command) = &spec.kind else {
        unreachable!()
    };
    let remote = command
        .to_cluster_command(&spec.name, spec.timeout, -3, &context)
        .unwrap();
    assert_eq!(remote.job().timeout, Some(Duration::from_secs(90)));
    assert_eq!(remote.job().priority, -3);
    assert_eq!(remote.job().grace, context.default_grace);
    assert_eq!(spec.full_log(JobId::new(), &context), None);
}

#[test]
fn missing_demo_parameters_take_their_defaults() {
    let spec: JobSpec = serde_json::from_str(r#"{"name": "w", "kind": "random_walk"}"#).unwrap();
    assert_eq!(
        spec.kind,
        JobKind::Demo(DemoJob::RandomWalk(RandomWalk::default()))
    );
}

#[test]
fn bad_json_is_refused_with_a_reason() {
    let error = |json: &str| match serde_json::from_str::<JobSpec>(json) {
        Ok(spec) => panic!("accepted {spec:?}"),
        Err(error) => error.to_string(),
    };
    let unknown = error(r#"{"name": "x", "kind": "teleport"}"#);
    assert!(unknown.contains("unknown variant `teleport`"), "{unknown}");
    let regex = error(r#"{"name": "x", "kind": "command", "argv": ["t"], "progress_regex": "x"}"#);
    assert!(
        regex.contains("progress_regex must have 1 capture group"),
        "{regex}"
    );
    let timeout = error(r#"{"name": "x", "kind": "steps", "timeout_secs": -1}"#);
    assert!(timeout.contains("a number of seconds"), "{timeout}");
    // A command needs `argv` or `shell`.
    let program = error(r#"{"name": "x", "kind": "command"}"#);
    assert!(program.contains("no variant of enum Program"), "{program}");
}

#[test]
fn build_sets_the_engine_options_and_the_chosen_id() {
    let spec = &one_of_each()[4];
    let id = JobId::new();
    let job = spec.build(id, &BuildContext::default());
    assert_eq!(job.id(), id);
    let shown = format!("{job:?}");
    for part in [
        "priority: -7",
        "retries: 3",
        "timeout: Some(250ms)",
        "after: []",
    ] {
        assert!(shown.contains(part), "{part} in {shown}");
    }
}

#[test]
fn a_command_takes_the_contexts_log_dir_and_grace_only_where_it_names_none() {
    let context = BuildContext {
        log_dir: Some(PathBuf::from("/ctx")),
        default_grace: Duration::from_secs(9),
        ..BuildContext::default()
    };
    let id = JobId::new();
    let named = &one_of_each()[4];
    assert_eq!(
        named.full_log(id, &context),
        Some(PathBuf::from(format!("logs/{id}.log")))
    );
    let plain = JobSpec::new(
        "t",
        JobKind::Command(CommandSpec::from_command_line("true").unwrap()),
    );
    assert_eq!(
        plain.full_log(id, &context),
        Some(PathBuf::from(format!("/ctx/{id}.log")))
    );
    assert_eq!(one_of_each()[0].full_log(id, &context), None);
}

#[test]
fn command_lines_split_like_a_shell_and_show_quoted() {
    let spec = CommandSpec::from_command_line("echo 'a b' c").unwrap();
    assert_eq!(
        spec.program,
        Program::Argv(vec!["echo".into(), "a b".into(), "c".into()])
    );
    assert_eq!(spec.command_line(), "echo 'a b' c");
    assert_eq!(
        CommandSpec::from_command_line("  "),
        Err(crate::jobs::CommandLineError::Empty)
    );
    assert_eq!(
        CommandSpec::from_command_line("echo 'open"),
        Err(crate::jobs::CommandLineError::Unbalanced)
    );
}

#[test]
fn progress_regexes_are_checked_when_made() {
    assert_eq!(
        ProgressRegex::new("(").unwrap_err().to_string(),
        "is not a valid regex: unclosed group"
    );
    assert_eq!(
        ProgressRegex::new("a(b)(c)(d)").unwrap_err(),
        ProgressRegexError::Groups(3)
    );
    assert_eq!(ProgressRegex::new(r"(\d+)%").unwrap().as_str(), r"(\d+)%");
}

#[test]
fn the_progress_format_is_a_key_beside_its_regex() {
    let spec: JobSpec = serde_json::from_str(
        r#"{"name": "x", "kind": "command", "argv": ["t"], "progress": "percent"}"#,
    )
    .unwrap();
    let JobKind::Command(command) = &spec.kind else {
        panic!("{spec:?}");
    };
    assert_eq!(command.progress, ProgressFormat::Percent);
    let json = serde_json::to_value(&spec).unwrap();
    assert_eq!(json["progress"], "percent");
    // The default is left out; a regex stands for itself.
    let auto = JobSpec::new(
        "y",
        JobKind::Command(CommandSpec::new(Program::Argv(vec!["t".into()]))),
    );
    assert!(
        serde_json::to_value(&auto)
            .unwrap()
            .get("progress")
            .is_none()
    );
    let missing = serde_json::from_str::<JobSpec>(
        r#"{"name": "x", "kind": "command", "argv": ["t"], "progress": "regex"}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(missing.contains("needs a `progress_regex`"), "{missing}");
}
