//! A command job's description: the program, where and how it runs.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{BuildContext, Executor};
use crate::executor::{ClusterCommand, ClusterJob};
use crate::jobs::{CommandJob, CommandLineError, ProgressFormat};

/// An external program to run, and how. See [`CommandJob`] for what a
/// command job does with its program's output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CommandSpec {
    /// The program: argv, or a script for `sh -c`. In JSON, an `argv` or a
    /// `shell` key.
    #[serde(flatten)]
    pub program: Program,
    /// Where it runs; jobdeck's own working directory when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<PathBuf>,
    /// Environment variables set for it, in order. In JSON, an object.
    #[serde(default, with = "env_map", skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<(String, String)>,
    /// How progress is read from its output: the `progress` key, with
    /// `progress_regex` for a regex (see [`ProgressFormat`]).
    #[serde(flatten)]
    pub progress: ProgressFormat,
    /// Time between SIGTERM and SIGKILL when it is stopped; the
    /// [`BuildContext`]'s default when `None`.
    #[serde(
        default,
        rename = "grace_secs",
        with = "super::secs::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub grace: Option<Duration>,
    /// The folder of its full log (`<log_dir>/<job id>.log`); the
    /// [`BuildContext`]'s when `None`. Not used on a cluster, where the
    /// full log is the cluster's output file (see `[slurm] output_dir`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_dir: Option<PathBuf>,
    /// Where it runs: here (the default) or on a cluster.
    #[serde(flatten)]
    pub executor: Executor,
}

/// What a command job runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Program {
    /// The program and its arguments, run without a shell.
    Argv(Vec<String>),
    /// A script run by `sh -c`.
    Shell(String),
}

impl CommandSpec {
    /// Runs `program` in jobdeck's working directory, with nothing else set.
    #[must_use]
    pub fn new(program: Program) -> Self {
        Self {
            program,
            cwd: None,
            env: Vec::new(),
            progress: ProgressFormat::Auto,
            grace: None,
            log_dir: None,
            executor: Executor::Local,
        }
    }

    /// Splits `line` the way a POSIX shell splits words (quotes,
    /// backslashes); the result runs without a shell.
    ///
    /// # Errors
    /// [`CommandLineError`] for an empty line or unbalanced quotes.
    pub fn from_command_line(line: &str) -> Result<Self, CommandLineError> {
        let argv = shlex::split(line).ok_or(CommandLineError::Unbalanced)?;
        if argv.first().is_none_or(String::is_empty) {
            return Err(CommandLineError::Empty);
        }
        Ok(Self::new(Program::Argv(argv)))
    }

    /// The command as a person would type it: argv quoted for a shell, or
    /// the script itself.
    #[must_use]
    pub fn command_line(&self) -> String {
        match &self.program {
            Program::Argv(argv) => {
                shlex::try_join(argv.iter().map(String::as_str)).unwrap_or_else(|_| argv.join(" "))
            }
            Program::Shell(script) => script.clone(),
        }
    }

    /// The runnable job, with `context`'s log folder and grace period where
    /// this spec names none.
    #[must_use]
    pub fn to_job(&self, context: &BuildContext) -> CommandJob {
        let mut job = match &self.program {
            Program::Argv(argv) => CommandJob::new(argv.clone()),
            Program::Shell(script) => CommandJob::new(vec![script.clone()]).shell(true),
        };
        if let Some(dir) = &self.cwd {
            job = job.cwd(dir.clone());
        }
        for (key, value) in &self.env {
            job = job.env(key.clone(), value.clone());
        }
        job = job.progress(self.progress.clone());
        job = job.grace(self.grace.unwrap_or(context.default_grace));
        match self.log_dir.as_ref().or(context.log_dir.as_ref()) {
            Some(dir) => job.log_dir(dir.clone()),
            None => job,
        }
    }
}

impl CommandSpec {
    /// The job for its cluster, or `None` when it runs locally: named
    /// `name`, stopped after `timeout` of running (queue time does not
    /// count), submitted with `priority` (a negative one lowers it on the
    /// cluster), with `context`'s grace period where this spec names none.
    #[must_use]
    pub fn to_cluster_command(
        &self,
        name: &str,
        timeout: Option<Duration>,
        priority: i32,
        context: &BuildContext,
    ) -> Option<ClusterCommand> {
        let cluster = self.executor.cluster()?;
        let job = ClusterJob {
            name: name.to_owned(),
            program: self.program.clone(),
            cwd: self.cwd.clone(),
            env: self.env.clone(),
            timeout,
            priority,
            grace: self.grace.unwrap_or(context.default_grace),
        };
        Some(ClusterCommand::new(
            &context.clusters,
            cluster,
            job,
            self.progress.clone(),
        ))
    }
}

/// `env` as a JSON object whose keys keep their order.
mod env_map {
    use super::{Deserializer, MapAccess, SerializeMap, Serializer, Visitor, fmt};

    pub(super) fn serialize<S: Serializer>(
        vars: &[(String, String)],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(vars.len()))?;
        for (key, value) in vars {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<(String, String)>, D::Error> {
        struct Vars;

        impl<'de> Visitor<'de> for Vars {
            type Value = Vec<(String, String)>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of strings")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut vars = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some(entry) = map.next_entry()? {
                    vars.push(entry);
                }
                Ok(vars)
            }
        }

        deserializer.deserialize_map(Vars)
    }
}
