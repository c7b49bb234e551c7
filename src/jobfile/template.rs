//! One `[[job]]` table, read and checked: what it runs (a [`JobKind`] whose
//! strings may still hold placeholders), how many jobs it becomes, and how
//! they are scheduled. Expansion into jobs comes later.

use std::ops::Range;
use std::path::Path;
use std::time::Duration;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::JobFileError;
use super::demo::{demo_keys, demo_param_keys, read_demo, to_u32};
use super::executor::read_executor;
use super::expand::input_placeholder;
use super::fields::{Fields, Source, a_type, strings_of, type_error};
use super::inputs_glob::{Bounds, glob_inputs};
use super::shell_check::{check_inputs, check_shell_command};
use crate::jobs::DemoKind;
use crate::jobs::FormatError;
use crate::jobspec::{
    CommandSpec, Executor, ExecutorKind, FormatKind, JobKind, Program, ProgressFormat,
    ProgressRegex,
};

/// Keys every `[[job]]` may have.
const COMMON_KEYS: [&str; 10] = [
    "name",
    "kind",
    "count",
    "inputs",
    "inputs_glob",
    "timeout_secs",
    "retries",
    "priority",
    "after",
    // Listed last in messages: only command jobs use it, but it is common.
    "command",
];

/// Keys only command jobs have.
const COMMAND_KEYS: [&str; 7] = [
    "cwd",
    "env",
    "shell",
    "progress",
    "progress_regex",
    "grace_secs",
    "executor",
];

/// The most jobs one `count` may ask for.
pub(crate) const MAX_COUNT: i64 = 100_000;

/// A `[[job]]` table, checked.
pub(crate) struct Template {
    /// The table, for messages about it as a whole.
    pub span: Range<usize>,
    /// `name` as written, placeholders unexpanded.
    pub name: Option<Spanned<String>>,
    /// What each job runs, placeholders unexpanded.
    pub kind: JobKind,
    /// Where `command` is, for messages about it (command jobs only).
    pub command_span: Option<Range<usize>>,
    pub batch: Batch,
    pub timeout: Option<Duration>,
    pub retries: u32,
    pub priority: i32,
    /// `after` entries as written, and the span of the whole list.
    pub after: Vec<Spanned<String>>,
    /// The `[[job]]`'s own `executor` (command jobs only); the file's
    /// applies when `None`.
    pub executor: Option<ExecutorKind>,
}

/// How many jobs a template becomes.
pub(crate) enum Batch {
    /// `count` copies (1 without `count`).
    Count(usize),
    /// One job per input.
    Inputs(Vec<String>),
}

impl Template {
    /// Reads the `[[job]]` table `table` spanning `span`. `base` is the job
    /// file's directory, for `inputs_glob`.
    pub fn read(
        src: Source<'_>,
        base: &Path,
        table: DeTable<'_>,
        span: Range<usize>,
    ) -> Result<Self, JobFileError> {
        let mut fields = Fields::new(table);
        let kind = fields.string(src, "kind")?;
        let demo = match &kind {
            None => None,
            Some(kind) if kind.get_ref() == "command" => None,
            Some(kind) => Some(DemoKind::from_key(kind.get_ref()).ok_or_else(|| {
                src.error(
                    kind.span(),
                    format!(
                        "unknown kind `{}`, expected one of: command, {}",
                        kind.get_ref(),
                        demo_keys()
                    ),
                )
            })?),
        };
        if let Some(demo) = demo {
            let mut expected: Vec<&str> = COMMON_KEYS[..COMMON_KEYS.len() - 1].to_vec();
            expected.extend(demo_param_keys(demo));
            fields.check_known(src, &format!("for kind = \"{}\"", demo.key()), &expected)?;
        } else {
            let mut expected = COMMON_KEYS.to_vec();
            expected.extend(COMMAND_KEYS);
            fields.check_known(src, "in [[job]]", &expected)?;
        }
        let name = fields.string(src, "name")?;
        if let Some(name) = name
            .as_ref()
            .filter(|name| name.get_ref().trim().is_empty())
        {
            return Err(src.error(
                name.span(),
                "`name` is empty; give a name, or leave `name` out to use the command or kind",
            ));
        }
        let batch = read_batch(src, base, &mut fields)?;
        let timeout = fields
            .number(
                src,
                "timeout_secs",
                f64::MIN_POSITIVE..=1e9,
                "a positive number of seconds",
            )?
            .map(Duration::from_secs_f64);
        let retries = fields.integer(src, "retries", 0..=100)?.map_or(0, to_u32);
        let priority = fields
            .integer(src, "priority", i64::from(i32::MIN)..=i64::from(i32::MAX))?
            .map_or(0, |value| i32::try_from(value).expect("checked range"));
        let after = match fields.strings(src, "after")? {
            Some(list) => list.into_inner(),
            None => Vec::new(),
        };
        let executor = read_executor(src, &mut fields)?;
        let (kind, command_span) = if let Some(demo) = demo {
            (JobKind::Demo(read_demo(src, demo, &mut fields)?), None)
        } else {
            let (command, command_span) = read_command(src, &mut fields, &span)?;
            (JobKind::Command(command), Some(command_span))
        };
        let template = Self {
            span,
            name,
            kind,
            command_span,
            batch,
            timeout,
            retries,
            priority,
            after,
            executor,
        };
        template.check_placeholders(src)?;
        Ok(template)
    }

    /// Without inputs only `{#}` means something; refuse the rest up front.
    /// (`after` entries are left to name resolution: they may name a batch
    /// by its `name` as written, placeholders and all.)
    fn check_placeholders(&self, src: Source<'_>) -> Result<(), JobFileError> {
        if matches!(self.batch, Batch::Inputs(_)) {
            return Ok(());
        }
        let mut texts: Vec<(&str, Range<usize>)> = Vec::new();
        if let Some(name) = &self.name {
            texts.push((name.get_ref(), name.span()));
        }
        for (text, span) in texts {
            if let Some(token) = input_placeholder(text) {
                return Err(no_inputs(src, token, span));
            }
        }
        if let (JobKind::Command(command), Some(command_span)) = (&self.kind, &self.command_span) {
            let words: &[String] = match &command.program {
                Program::Argv(argv) => argv,
                Program::Shell(script) => std::slice::from_ref(script),
            };
            if let Some(token) = words.iter().find_map(|word| input_placeholder(word)) {
                return Err(no_inputs(src, token, command_span.clone()));
            }
            let cwd = command.cwd.iter().filter_map(|dir| dir.to_str());
            let others = cwd.chain(command.env.iter().map(|(_, value)| value.as_str()));
            if let Some(token) = others.into_iter().find_map(input_placeholder) {
                return Err(no_inputs(src, token, self.span.clone()));
            }
        }
        Ok(())
    }
}

fn no_inputs(src: Source<'_>, token: &str, span: Range<usize>) -> JobFileError {
    src.error(
        span,
        format!("`{token}` needs `inputs` or `inputs_glob`; without inputs only `{{#}}` (the job number) is defined"),
    )
}

fn read_batch(
    src: Source<'_>,
    base: &Path,
    fields: &mut Fields<'_>,
) -> Result<Batch, JobFileError> {
    if fields.has("inputs")
        && let Some(span) = fields.key_span("inputs_glob")
    {
        return Err(src.error(
            span,
            "`inputs` and `inputs_glob` cannot both be set; use one of them",
        ));
    }
    let input_key = ["inputs", "inputs_glob"]
        .into_iter()
        .find(|key| fields.has(key));
    if let (Some(input_key), Some(span)) = (input_key, fields.key_span("count")) {
        return Err(src.error(
            span,
            format!("`count` cannot be combined with `{input_key}`: a batch has one job per input"),
        ));
    }
    if let Some(list) = fields.strings(src, "inputs")? {
        if list.get_ref().is_empty() {
            return Err(src.error(
                list.span(),
                "`inputs` is empty, expected at least one input",
            ));
        }
        check_inputs(src, list.get_ref())?;
        return Ok(Batch::Inputs(
            list.into_inner()
                .into_iter()
                .map(Spanned::into_inner)
                .collect(),
        ));
    }
    if let Some(pattern) = fields.string(src, "inputs_glob")? {
        return glob_inputs(src, base, &pattern, Bounds::JOB_FILE).map(Batch::Inputs);
    }
    let count = fields.integer(src, "count", 1..=MAX_COUNT)?.unwrap_or(1);
    Ok(Batch::Count(usize::try_from(count).expect("checked range")))
}

/// The command of a `[[job]]` (placeholders unexpanded) and where
/// `command` is.
fn read_command(
    src: Source<'_>,
    fields: &mut Fields<'_>,
    table_span: &Range<usize>,
) -> Result<(CommandSpec, Range<usize>), JobFileError> {
    let shell = fields.boolean(src, "shell")?.unwrap_or(false);
    let Some(command) = fields.raw("command") else {
        return Err(src.error(
            table_span.clone(),
            format!(
                "a [[job]] needs `command` (a program to run) or `kind` (one of: {})",
                demo_keys()
            ),
        ));
    };
    let argv = command_argv(src, &command, shell)?;
    if shell {
        check_shell_command(src, &command, &argv)?;
    }
    // A shell runs the words joined, as one script.
    let program = if shell {
        Program::Shell(argv.join(" "))
    } else {
        Program::Argv(argv)
    };
    let cwd = fields
        .string(src, "cwd")?
        .map(|dir| dir.into_inner().into());
    let env = read_env(src, fields)?;
    let progress = read_progress(src, fields)?;
    let grace = fields
        .number(
            src,
            "grace_secs",
            0.0..=3600.0,
            "a number of seconds from 0 to 3600",
        )?
        .map(Duration::from_secs_f64);
    let spec = CommandSpec {
        program,
        cwd,
        env,
        progress,
        grace,
        log_dir: None,
        // The file's executors are known once every table is read.
        executor: Executor::Local,
    };
    Ok((spec, command.span()))
}

const EMPTY_COMMAND: &str =
    "`command` is empty, expected a program and its arguments, such as [\"gzip\", \"-k\", \"{}\"]";

/// `command` as argv: an array as is, a string split like a shell would
/// (or kept whole as the script when `shell = true`).
fn command_argv(
    src: Source<'_>,
    command: &Spanned<DeValue<'_>>,
    shell: bool,
) -> Result<Vec<String>, JobFileError> {
    let span = command.span();
    let argv: Vec<String> = match command.get_ref() {
        DeValue::Array(items) => strings_of(src, "command", items.iter())?
            .into_iter()
            .map(Spanned::into_inner)
            .collect(),
        DeValue::String(text) if shell => vec![text.to_string()],
        DeValue::String(text) => shlex::split(text).ok_or_else(|| {
            src.error(
                span.clone(),
                "`command` has an unclosed quote or a trailing backslash; close it, or give an array of arguments",
            )
        })?,
        other => {
            return Err(type_error(src, "command", "an array of strings or a string", other, span));
        }
    };
    if argv.first().is_none_or(|program| program.trim().is_empty()) {
        return Err(src.error(span, EMPTY_COMMAND));
    }
    Ok(argv)
}

fn read_env(
    src: Source<'_>,
    fields: &mut Fields<'_>,
) -> Result<Vec<(String, String)>, JobFileError> {
    let Some(env) = fields.raw("env") else {
        return Ok(Vec::new());
    };
    let DeValue::Table(table) = env.get_ref() else {
        return Err(type_error(
            src,
            "env",
            "a table of strings",
            env.get_ref(),
            env.span(),
        ));
    };
    let mut vars: Vec<(Range<usize>, String, String)> = Vec::new();
    for (key, value) in table {
        match value.get_ref() {
            DeValue::String(text) => {
                vars.push((key.span(), key.get_ref().to_string(), text.to_string()));
            }
            other => {
                return Err(src.error(
                    value.span(),
                    format!(
                        "`env.{}` must be a string, found {}",
                        key.get_ref(),
                        a_type(other)
                    ),
                ));
            }
        }
    }
    vars.sort_by_key(|(span, _, _)| span.start);
    Ok(vars
        .into_iter()
        .map(|(_, key, value)| (key, value))
        .collect())
}

/// `progress` and `progress_regex`, checked together.
fn read_progress(src: Source<'_>, fields: &mut Fields<'_>) -> Result<ProgressFormat, JobFileError> {
    let progress = fields.string(src, "progress")?;
    let kind_span = progress.as_ref().map(Spanned::span);
    let kind = match progress {
        Some(key) => Some(FormatKind::from_key(key.get_ref()).ok_or_else(|| {
            let expected: Vec<String> = FormatKind::ALL
                .iter()
                .map(|kind| format!("\"{}\"", kind.key()))
                .collect();
            src.error(
                key.span(),
                format!(
                    "`progress` must be one of {}, found \"{}\"",
                    expected.join(", "),
                    key.get_ref()
                ),
            )
        })?),
        None => None,
    };
    let regex_span = fields.key_span("progress_regex");
    let regex = match fields.string(src, "progress_regex")? {
        Some(pattern) => Some(compile_progress_regex(src, &pattern)?),
        None => None,
    };
    ProgressFormat::from_keys(kind, regex).map_err(|error| {
        let span = match error {
            FormatError::RegexMissing => kind_span,
            FormatError::RegexUnused(_) => regex_span,
        };
        src.error(span.unwrap_or(0..0), error.to_string())
    })
}

fn compile_progress_regex(
    src: Source<'_>,
    pattern: &Spanned<String>,
) -> Result<ProgressRegex, JobFileError> {
    ProgressRegex::new(pattern.get_ref())
        .map_err(|error| src.error(pattern.span(), format!("`progress_regex` {error}")))
}
