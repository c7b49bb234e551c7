//! Turning a [`RemoteJob`] into an `sbatch` command line and the batch
//! script it reads on stdin.
//!
//! The script exports the job's env (quoted for `sh`, so any value survives,
//! commas included, which `--export` would split) and then `exec`s the argv,
//! quoted, so the program's exit code is the job's; a shell job's script is
//! its text. `PYTHONUNBUFFERED=1` comes first, as for local jobs, so Python's
//! progress reaches the output file as it is printed; the job's env may
//! override it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::settings::SlurmSettings;
use crate::executor::{Program, RemoteJob};

/// A job that cannot be written as a batch script.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScriptError {
    /// No program to run.
    #[error("no program to run: the command is empty")]
    Empty,
    /// A variable name `sh` cannot export.
    #[error("environment variable name {0:?} cannot be exported by a batch script")]
    BadEnvName(String),
    /// A NUL byte, which no argument or variable can hold.
    #[error("{0:?} holds a NUL byte, which no argument or environment variable can hold")]
    Nul(String),
}

/// The job's output file for Slurm job `id` when it was submitted with
/// [`sbatch_args`] and `output_dir`.
pub fn output_path(output_dir: &Path, id: u64) -> PathBuf {
    output_dir.join(format!("jobdeck-{id}.out"))
}

/// `sbatch`'s arguments for `job` (the script comes on stdin).
pub fn sbatch_args(job: &RemoteJob, settings: &SlurmSettings, output_dir: &Path) -> Vec<String> {
    let mut args = vec!["--parsable".to_owned(), format!("--job-name={}", job.name)];
    if let Some(cwd) = &job.cwd {
        args.push(format!("--chdir={}", cwd.display()));
    }
    // `%` starts a pattern in sbatch's file names; `%j` is the job id.
    let dir = output_dir.display().to_string().replace('%', "%%");
    args.push(format!("--output={dir}/jobdeck-%j.out"));
    if let Some(timeout) = job.timeout {
        args.push(format!("--time={}", time_limit_minutes(timeout)));
    }
    if job.priority < 0 {
        // Only administrators may give a negative nice (a raise), so only a
        // lowered priority reaches the cluster; higher ones order the jobs
        // jobdeck holds back.
        args.push(format!("--nice={}", job.priority.unsigned_abs()));
    }
    if let Some(partition) = &settings.partition {
        args.push(format!("--partition={partition}"));
    }
    if let Some(account) = &settings.account {
        args.push(format!("--account={account}"));
    }
    args.extend(settings.extra_args.iter().cloned());
    args
}

/// Slurm counts time limits in whole minutes: the timeout rounded up, at
/// least one. jobdeck stops the job at its exact timeout itself; this limit
/// is the cluster's backstop for when jobdeck is gone.
fn time_limit_minutes(timeout: Duration) -> u64 {
    timeout.as_secs().div_ceil(60).max(1)
}

/// The batch script for `job`.
pub fn script(job: &RemoteJob) -> Result<String, ScriptError> {
    let mut script =
        String::from("#!/bin/sh\n# Submitted by jobdeck.\nexport PYTHONUNBUFFERED=1\n");
    for (key, value) in &job.env {
        if !is_env_name(key) {
            return Err(ScriptError::BadEnvName(key.clone()));
        }
        script.push_str("export ");
        script.push_str(key);
        script.push('=');
        script.push_str(&quote(value)?);
        script.push('\n');
    }
    match &job.program {
        Program::Argv(argv) => {
            if argv.first().is_none_or(String::is_empty) {
                return Err(ScriptError::Empty);
            }
            let words = argv
                .iter()
                .map(|word| quote(word))
                .collect::<Result<Vec<_>, _>>()?;
            script.push_str("exec ");
            script.push_str(&words.join(" "));
            script.push('\n');
        }
        Program::Shell(text) => {
            if text.trim().is_empty() {
                return Err(ScriptError::Empty);
            }
            if text.contains('\0') {
                return Err(ScriptError::Nul(text.clone()));
            }
            script.push_str(text);
            script.push('\n');
        }
    }
    Ok(script)
}

fn quote(word: &str) -> Result<String, ScriptError> {
    shlex::try_quote(word)
        .map(std::borrow::Cow::into_owned)
        .map_err(|_| ScriptError::Nul(word.to_owned()))
}

fn is_env_name(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|first| first == '_' || first.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(program: Program) -> RemoteJob {
        RemoteJob::new("render frame 1", program)
    }

    /// What `sh` prints running the script.
    fn run(script: &str) -> String {
        let output = std::process::Command::new("sh")
            .args(["-c", script])
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).unwrap()
    }

    #[test]
    fn argv_reaches_the_program_word_for_word_after_the_env() {
        let mut job = job(Program::Argv(vec![
            "sh".into(),
            "-c".into(),
            r#"printf '[%s]\n' "$LIST" "$@""#.into(),
            "sh".into(),
            "it's a, b".into(),
            "$HOME `x` \"q\"".into(),
        ]));
        job.env = vec![("LIST".into(), "a,b c".into())];
        let script = script(&job).unwrap();
        assert!(script.starts_with("#!/bin/sh\n"), "{script}");
        assert_eq!(run(&script), "[a,b c]\n[it's a, b]\n[$HOME `x` \"q\"]\n");
    }

    #[test]
    fn the_jobs_env_can_override_pythonunbuffered() {
        let mut job = job(Program::Shell("echo $PYTHONUNBUFFERED".into()));
        assert_eq!(run(&script(&job).unwrap()), "1\n");
        job.env = vec![("PYTHONUNBUFFERED".into(), "0".into())];
        assert_eq!(run(&script(&job).unwrap()), "0\n");
    }

    #[test]
    fn a_shell_job_is_its_text() {
        let job = job(Program::Shell("echo $HOME | wc -c".into()));
        assert!(script(&job).unwrap().ends_with("\necho $HOME | wc -c\n"));
    }

    #[test]
    fn jobs_that_cannot_be_scripts_say_why() {
        assert_eq!(script(&job(Program::Argv(vec![]))), Err(ScriptError::Empty));
        assert_eq!(
            script(&job(Program::Shell("  ".into()))),
            Err(ScriptError::Empty)
        );
        let mut bad_env = job(Program::Argv(vec!["true".into()]));
        bad_env.env = vec![("A-B".into(), "1".into())];
        assert_eq!(
            script(&bad_env).unwrap_err().to_string(),
            "environment variable name \"A-B\" cannot be exported by a batch script"
        );
        let nul = job(Program::Argv(vec!["echo".into(), "a\0b".into()]));
        assert!(matches!(script(&nul), Err(ScriptError::Nul(_))));
    }

    #[test]
    fn sbatch_gets_name_dir_output_time_nice_and_settings() {
        let mut job = job(Program::Argv(vec!["true".into()]));
        job.cwd = Some("/data/run".into());
        job.timeout = Some(Duration::from_secs(61));
        job.priority = -5;
        let settings = SlurmSettings {
            partition: Some("short".into()),
            account: Some("lab".into()),
            output_dir: None,
            extra_args: vec!["--mem=1G".into()],
        };
        assert_eq!(
            sbatch_args(&job, &settings, Path::new("/shared/100%")),
            [
                "--parsable",
                "--job-name=render frame 1",
                "--chdir=/data/run",
                "--output=/shared/100%%/jobdeck-%j.out",
                "--time=2",
                "--nice=5",
                "--partition=short",
                "--account=lab",
                "--mem=1G",
            ]
        );
    }

    #[test]
    fn time_limits_round_up_to_whole_minutes() {
        assert_eq!(time_limit_minutes(Duration::from_secs(1)), 1);
        assert_eq!(time_limit_minutes(Duration::from_secs(60)), 1);
        assert_eq!(time_limit_minutes(Duration::from_secs(61)), 2);
        assert_eq!(time_limit_minutes(Duration::ZERO), 1);
    }

    #[test]
    fn a_raised_priority_adds_no_nice() {
        let mut job = job(Program::Argv(vec!["true".into()]));
        job.priority = 7;
        let args = sbatch_args(&job, &SlurmSettings::default(), Path::new("/o"));
        assert!(
            !args.iter().any(|arg| arg.starts_with("--nice")),
            "{args:?}"
        );
    }
}
