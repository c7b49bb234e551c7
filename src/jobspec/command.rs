//! A command job's description: the program, where and how it runs.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use regex::Regex;
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{BuildContext, Executor};
use crate::executor::{ClusterCommand, ClusterJob};
use crate::jobs::output::OutputParser;
use crate::jobs::{CommandJob, CommandLineError};

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
    /// Reads progress from its output with this instead of the built-in
    /// heuristics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress_regex: Option<ProgressRegex>,
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
            progress_regex: None,
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
        if let Some(regex) = &self.progress_regex {
            job = job.progress_regex(regex.0.clone());
        }
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
        let parser = OutputParser::new(self.progress_regex.as_ref().map(|regex| regex.0.clone()));
        Some(ClusterCommand::new(&context.clusters, cluster, job, parser))
    }
}

/// A regex that reads progress from a line: one capture group is a
/// percentage, two are done and total. Checked when made, so a spec never
/// holds one the parser cannot use. In JSON, the pattern as a string.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ProgressRegex(Regex);

/// Why a pattern cannot be a [`ProgressRegex`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProgressRegexError {
    /// The regex does not compile; the reason in one line.
    #[error("is not a valid regex: {0}")]
    Invalid(String),
    /// It compiles, with a number of groups that means nothing.
    #[error("must have 1 capture group (a percentage) or 2 (done and total), found {0}")]
    Groups(usize),
}

impl ProgressRegex {
    /// Compiles and checks `pattern`.
    ///
    /// # Errors
    /// When it is not a regex, or has other than 1 or 2 capture groups.
    pub fn new(pattern: &str) -> Result<Self, ProgressRegexError> {
        let regex = Regex::new(pattern).map_err(|error| {
            // The regex crate's message ends with its one-line reason.
            let text = error.to_string();
            let reason = text.lines().last().unwrap_or(&text);
            ProgressRegexError::Invalid(reason.trim_start_matches("error: ").to_owned())
        })?;
        match regex.captures_len() - 1 {
            1 | 2 => Ok(Self(regex)),
            groups => Err(ProgressRegexError::Groups(groups)),
        }
    }

    /// The pattern as written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl PartialEq for ProgressRegex {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl TryFrom<String> for ProgressRegex {
    type Error = String;

    fn try_from(pattern: String) -> Result<Self, String> {
        Self::new(&pattern).map_err(|error| format!("progress_regex {error}"))
    }
}

impl From<ProgressRegex> for String {
    fn from(regex: ProgressRegex) -> Self {
        regex.as_str().to_owned()
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
