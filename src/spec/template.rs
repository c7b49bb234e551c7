//! One `[[job]]` table, read and checked: what it runs, how many jobs it
//! becomes, and how they are scheduled. Expansion into jobs comes later.

use std::ops::Range;
use std::path::Path;
use std::time::Duration;

use regex::Regex;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::SpecError;
use super::demo::{demo_keys, demo_param_keys, read_demo, to_u32};
use super::expand::input_placeholder;
use super::fields::{Fields, Source, a_type, strings_of, type_error};
use super::shell_check::{check_inputs, check_shell_command};
use crate::jobs::{DemoJob, DemoKind};

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
const COMMAND_KEYS: [&str; 5] = ["cwd", "env", "shell", "progress_regex", "grace_secs"];

/// The most jobs one `count` may ask for.
pub(crate) const MAX_COUNT: i64 = 100_000;

/// A `[[job]]` table, checked.
pub(crate) struct Template {
    /// The table, for messages about it as a whole.
    pub span: Range<usize>,
    /// `name` as written, placeholders unexpanded.
    pub name: Option<Spanned<String>>,
    pub work: Work,
    pub batch: Batch,
    pub timeout: Option<Duration>,
    pub retries: u32,
    pub priority: i32,
    /// `after` entries as written, and the span of the whole list.
    pub after: Vec<Spanned<String>>,
}

/// What each job of a template runs.
pub(crate) enum Work {
    Command(CommandTemplate),
    Demo(DemoJob),
}

/// A command job's settings, placeholders unexpanded.
pub(crate) struct CommandTemplate {
    pub argv: Vec<String>,
    /// Where `command` is, for messages about it.
    pub span: Range<usize>,
    pub shell: bool,
    pub cwd: Option<String>,
    pub env: Vec<(String, String)>,
    pub progress_regex: Option<Regex>,
    pub grace: Option<Duration>,
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
    ) -> Result<Self, SpecError> {
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
        let work = match demo {
            Some(demo) => Work::Demo(read_demo(src, demo, &mut fields)?),
            None => Work::Command(read_command(src, &mut fields, &span)?),
        };
        let template = Self {
            span,
            name,
            work,
            batch,
            timeout,
            retries,
            priority,
            after,
        };
        template.check_placeholders(src)?;
        Ok(template)
    }

    /// Without inputs only `{#}` means something; refuse the rest up front.
    /// (`after` entries are left to name resolution: they may name a batch
    /// by its `name` as written, placeholders and all.)
    fn check_placeholders(&self, src: Source<'_>) -> Result<(), SpecError> {
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
        if let Work::Command(command) = &self.work {
            if let Some(token) = command.argv.iter().find_map(|word| input_placeholder(word)) {
                return Err(no_inputs(src, token, command.span.clone()));
            }
            let others = command
                .cwd
                .iter()
                .chain(command.env.iter().map(|(_, value)| value));
            if let Some(token) = others.into_iter().find_map(|text| input_placeholder(text)) {
                return Err(no_inputs(src, token, self.span.clone()));
            }
        }
        Ok(())
    }
}

fn no_inputs(src: Source<'_>, token: &str, span: Range<usize>) -> SpecError {
    src.error(
        span,
        format!("`{token}` needs `inputs` or `inputs_glob`; without inputs only `{{#}}` (the job number) is defined"),
    )
}

fn read_batch(src: Source<'_>, base: &Path, fields: &mut Fields<'_>) -> Result<Batch, SpecError> {
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
        return glob_inputs(src, base, &pattern).map(Batch::Inputs);
    }
    let count = fields.integer(src, "count", 1..=MAX_COUNT)?.unwrap_or(1);
    Ok(Batch::Count(usize::try_from(count).expect("checked range")))
}

/// The files matching `pattern`, relative to `base` when the pattern is.
fn glob_inputs(
    src: Source<'_>,
    base: &Path,
    pattern: &Spanned<String>,
) -> Result<Vec<String>, SpecError> {
    let text = pattern.get_ref();
    let full = if Path::new(text).is_absolute() {
        text.clone()
    } else {
        let base = base.to_str().ok_or_else(|| {
            src.error(
                pattern.span(),
                "`inputs_glob` needs the job file's directory to be valid UTF-8",
            )
        })?;
        format!("{}/{text}", glob::Pattern::escape(base))
    };
    let paths = glob::glob(&full).map_err(|error| {
        src.error(
            pattern.span(),
            format!("`inputs_glob` is not a valid pattern: {}", error.msg),
        )
    })?;
    let mut inputs = Vec::new();
    for path in paths.flatten() {
        let shown = if Path::new(text).is_absolute() {
            path.as_path()
        } else {
            path.strip_prefix(base).unwrap_or(&path)
        };
        inputs.push(shown.to_string_lossy().into_owned());
    }
    if inputs.is_empty() {
        return Err(src.error(
            pattern.span(),
            format!("`inputs_glob` pattern `{text}` matched no files"),
        ));
    }
    Ok(inputs)
}

fn read_command(
    src: Source<'_>,
    fields: &mut Fields<'_>,
    table_span: &Range<usize>,
) -> Result<CommandTemplate, SpecError> {
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
    let cwd = fields.string(src, "cwd")?.map(Spanned::into_inner);
    let env = read_env(src, fields)?;
    let progress_regex = match fields.string(src, "progress_regex")? {
        Some(pattern) => Some(compile_progress_regex(src, &pattern)?),
        None => None,
    };
    let grace = fields
        .number(
            src,
            "grace_secs",
            0.0..=3600.0,
            "a number of seconds from 0 to 3600",
        )?
        .map(Duration::from_secs_f64);
    Ok(CommandTemplate {
        argv,
        span: command.span(),
        shell,
        cwd,
        env,
        progress_regex,
        grace,
    })
}

const EMPTY_COMMAND: &str =
    "`command` is empty, expected a program and its arguments, such as [\"gzip\", \"-k\", \"{}\"]";

/// `command` as argv: an array as is, a string split like a shell would
/// (or kept whole as the script when `shell = true`).
fn command_argv(
    src: Source<'_>,
    command: &Spanned<DeValue<'_>>,
    shell: bool,
) -> Result<Vec<String>, SpecError> {
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

fn read_env(src: Source<'_>, fields: &mut Fields<'_>) -> Result<Vec<(String, String)>, SpecError> {
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

fn compile_progress_regex(src: Source<'_>, pattern: &Spanned<String>) -> Result<Regex, SpecError> {
    let regex = Regex::new(pattern.get_ref()).map_err(|error| {
        // The regex crate's message ends with its one-line reason.
        let text = error.to_string();
        let reason = text
            .lines()
            .last()
            .unwrap_or(&text)
            .trim_start_matches("error: ")
            .to_owned();
        src.error(
            pattern.span(),
            format!("`progress_regex` is not a valid regex: {reason}"),
        )
    })?;
    let groups = regex.captures_len() - 1;
    if groups == 1 || groups == 2 {
        Ok(regex)
    } else {
        Err(src.error(
            pattern.span(),
            format!("`progress_regex` must have 1 capture group (a percentage) or 2 (done and total), found {groups}"),
        ))
    }
}
