//! From checked `[[job]]` templates to a [`Plan`]: batches expanded into
//! job specs, names made unique, `after` resolved to ids, cycles refused.
//!
//! The naming and `after` rules are described in the `jobfile` module's
//! docs. Every step is linear in the number of jobs plus the number of
//! `after` entries, so that a file of a million jobs plans in seconds: names
//! are made unique with one counter per repeated name, and a job after a
//! batch of several jobs waits for one [`Barrier`] that waits for the batch,
//! rather than for each member (N jobs after a batch of M cost N + M
//! dependencies, not N × M).

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use super::expand::{Slot, expand, has_placeholder};
use super::fields::Source;
use super::template::{Batch, Template};
use super::{JobFileError, Location};
use crate::engine::JobId;
use crate::jobspec::{After, Barrier, CommandSpec, JobKind, JobSpec, Plan, PlannedJob, Program};

/// One job before it is planned.
struct Draft {
    /// The index of its template.
    template: usize,
    id: JobId,
    spec: JobSpec,
}

/// A node of the dependency graph: a draft (by index) or a barrier (by
/// index into the barriers, counted after the drafts).
type Node = usize;

/// Expands `templates` into a plan. `base` is the file's directory; command
/// jobs write their full logs to `log_dir` when it is given.
pub(crate) fn plan(
    src: Source<'_>,
    base: &Path,
    log_dir: Option<&Path>,
    templates: &[Template],
) -> Result<Plan, JobFileError> {
    let mut drafts = Vec::new();
    let batch_names: std::collections::HashSet<&str> = templates
        .iter()
        .filter_map(|template| template.name.as_ref())
        .map(|name| name.get_ref().as_str())
        .collect();
    for (index, template) in templates.iter().enumerate() {
        expand_template(base, log_dir, &batch_names, index, template, &mut drafts);
    }
    name_uniquely(src, templates, &mut drafts)?;
    let graph = resolve_after(src, templates, &drafts)?;
    check_cycles(src, templates, &drafts, &graph)?;
    let ids: Vec<JobId> = drafts
        .iter()
        .map(|draft| draft.id)
        .chain(graph.barriers.iter().map(|_| JobId::new()))
        .collect();
    let barriers = graph
        .barriers
        .iter()
        .enumerate()
        .map(|(index, members)| Barrier {
            id: ids[drafts.len() + index],
            members: members.iter().map(|&member| ids[member]).collect(),
        })
        .collect();
    let jobs = drafts
        .into_iter()
        .zip(graph.deps)
        .map(|(draft, deps)| {
            PlannedJob::new(
                draft.id,
                Arc::new(draft.spec),
                deps.into_iter().map(|node| ids[node]).collect(),
            )
        })
        .collect();
    Ok(Plan { jobs, barriers })
}

/// What one `after` entry of a template means, decided once per template.
enum Entry<'a> {
    /// A `[[job]]`'s `name` as written: every job of that batch.
    Batch(Arc<str>),
    /// A job's name, placeholders to be filled in for each job.
    Job(&'a str),
}

fn expand_template(
    base: &Path,
    log_dir: Option<&Path>,
    batch_names: &std::collections::HashSet<&str>,
    index: usize,
    template: &Template,
    drafts: &mut Vec<Draft>,
) {
    let slots: Vec<Slot<'_>> = match &template.batch {
        Batch::Count(count) => (1..=*count)
            .map(|number| Slot {
                number,
                input: None,
            })
            .collect(),
        Batch::Inputs(inputs) => inputs
            .iter()
            .enumerate()
            .map(|(i, input)| Slot {
                number: i + 1,
                input: Some(input),
            })
            .collect(),
    };
    let several = slots.len() > 1;
    let batch: Option<Arc<str>> = template
        .name
        .as_ref()
        .map(|name| name.get_ref().as_str().into());
    let entries: Vec<Entry<'_>> = template
        .after
        .iter()
        .map(|entry| {
            let text = entry.get_ref().as_str();
            if batch_names.contains(text) {
                Entry::Batch(text.into())
            } else {
                Entry::Job(text)
            }
        })
        .collect();
    drafts.reserve(slots.len());
    for slot in slots {
        let kind = expand_kind(base, log_dir, &template.kind, slot);
        let name = if let Some(name) = &template.name {
            let mut text = expand(name.get_ref(), slot, false);
            if several && !has_placeholder(name.get_ref()) {
                text = format!("{text} #{}", slot.number);
            }
            text
        } else {
            match &kind {
                JobKind::Demo(demo) if several => format!("{} #{}", demo.kind().key(), slot.number),
                JobKind::Demo(demo) => demo.kind().key().to_owned(),
                JobKind::Command(command) => command.command_line(),
            }
        };
        let after = entries
            .iter()
            .map(|entry| match entry {
                Entry::Batch(name) => After::Batch(Arc::clone(name)),
                Entry::Job(text) => After::Job(expand(text, slot, false)),
            })
            .collect();
        let spec = JobSpec {
            name,
            batch: batch.clone(),
            kind,
            timeout: template.timeout,
            retries: template.retries,
            priority: template.priority,
            after,
        };
        drafts.push(Draft {
            template: index,
            id: JobId::new(),
            spec,
        });
    }
}

/// The template's kind for one slot. Inputs go only where placeholders are:
/// unlike GNU parallel, nothing is appended to a command that names none
/// (such a batch runs the same command once per input, named apart).
/// Commands run in the file's directory unless `cwd` says otherwise.
fn expand_kind(base: &Path, log_dir: Option<&Path>, kind: &JobKind, slot: Slot<'_>) -> JobKind {
    let JobKind::Command(command) = kind else {
        return kind.clone();
    };
    let program = match &command.program {
        Program::Argv(argv) => {
            Program::Argv(argv.iter().map(|word| expand(word, slot, false)).collect())
        }
        // Values from the input are shell-quoted in a script.
        Program::Shell(script) => Program::Shell(expand(script, slot, true)),
    };
    let cwd = command.cwd.as_deref().map_or_else(
        || base.to_path_buf(),
        |dir| base.join(expand(&dir.to_string_lossy(), slot, false)),
    );
    JobKind::Command(CommandSpec {
        program,
        cwd: Some(cwd),
        env: command
            .env
            .iter()
            .map(|(key, value)| (key.clone(), expand(value, slot, false)))
            .collect(),
        progress: command.progress.clone(),
        grace: command.grace,
        log_dir: log_dir.map(Path::to_path_buf),
        executor: command.executor.clone(),
    })
}

/// Where a draft's name comes from, for messages: its template's `name`, or
/// the whole table when it has none.
fn name_span(templates: &[Template], draft: &Draft) -> Range<usize> {
    let template = &templates[draft.template];
    template
        .name
        .as_ref()
        .map_or_else(|| template.span.clone(), toml::Spanned::span)
}

/// Refuses repeated `name`s; numbers repeated default names: ` (2)`,
/// ` (3)`... Each default name remembers the next number to try, so a
/// batch of a hundred thousand unnamed copies is named in one pass.
fn name_uniquely(
    src: Source<'_>,
    templates: &[Template],
    drafts: &mut [Draft],
) -> Result<(), JobFileError> {
    // Each name, with the template that took it.
    let mut taken: HashMap<String, usize> = HashMap::with_capacity(drafts.len());
    for draft in drafts
        .iter()
        .filter(|draft| templates[draft.template].name.is_some())
    {
        if let Some(&first) = taken.get(&draft.spec.name) {
            let first_span = templates[first]
                .name
                .as_ref()
                .map_or(0, |name| name.span().start);
            let first = Location::of_offset(src.text, first_span);
            return Err(src.error(
                name_span(templates, draft),
                format!(
                    "duplicate job name `{}` (first used at {first}); names must be unique, placeholders such as {{#}} or {{/}} help",
                    draft.spec.name
                ),
            ));
        }
        taken.insert(draft.spec.name.clone(), draft.template);
    }
    let mut next_copy: HashMap<String, usize> = HashMap::new();
    for draft in drafts
        .iter_mut()
        .filter(|draft| templates[draft.template].name.is_none())
    {
        if taken.contains_key(&draft.spec.name) {
            let copy = match next_copy.get_mut(&draft.spec.name) {
                Some(copy) => copy,
                None => next_copy.entry(draft.spec.name.clone()).or_insert(2),
            };
            let mut name = format!("{} ({copy})", draft.spec.name);
            while taken.contains_key(&name) {
                *copy += 1;
                name = format!("{} ({copy})", draft.spec.name);
            }
            *copy += 1;
            draft.spec.name = name;
        }
        taken.insert(draft.spec.name.clone(), draft.template);
    }
    Ok(())
}

/// The dependency graph: each draft's dependencies (drafts or barriers),
/// and each barrier's members.
struct Graph {
    deps: Vec<Vec<Node>>,
    barriers: Vec<Vec<Node>>,
}

impl Graph {
    fn next(&self, node: Node) -> &[Node] {
        match self.deps.get(node) {
            Some(deps) => deps,
            None => &self.barriers[node - self.deps.len()],
        }
    }
}

/// Resolves every `after` entry: a batch of one is that job, a batch of
/// several is its barrier (made once, the first time it is named), and a
/// job name is that job.
fn resolve_after(
    src: Source<'_>,
    templates: &[Template],
    drafts: &[Draft],
) -> Result<Graph, JobFileError> {
    let mut members: HashMap<&str, Vec<usize>> = HashMap::new();
    for (index, draft) in drafts.iter().enumerate() {
        if let Some(batch) = &draft.spec.batch {
            members.entry(batch).or_default().push(index);
        }
    }
    let names_jobs = drafts.iter().any(|draft| {
        draft
            .spec
            .after
            .iter()
            .any(|after| matches!(after, After::Job(_)))
    });
    let by_name: HashMap<&str, usize> = if names_jobs {
        drafts
            .iter()
            .enumerate()
            .map(|(index, draft)| (draft.spec.name.as_str(), index))
            .collect()
    } else {
        HashMap::new()
    };
    let mut barrier_of: HashMap<&str, Node> = HashMap::new();
    let mut barriers: Vec<Vec<Node>> = Vec::new();
    let mut deps = Vec::with_capacity(drafts.len());
    for draft in drafts {
        let mut nodes: Vec<Node> = Vec::with_capacity(draft.spec.after.len());
        for (position, after) in draft.spec.after.iter().enumerate() {
            match after {
                After::Batch(name) => {
                    let batch = &members[&**name];
                    if let [single] = batch.as_slice() {
                        nodes.push(*single);
                    } else {
                        let node = *barrier_of.entry(name).or_insert_with(|| {
                            barriers.push(batch.clone());
                            drafts.len() + barriers.len() - 1
                        });
                        nodes.push(node);
                    }
                }
                After::Job(name) => {
                    let Some(&index) = by_name.get(name.as_str()) else {
                        let entry = &templates[draft.template].after[position];
                        return Err(missing_name(src, entry.span(), name, drafts));
                    };
                    nodes.push(index);
                }
            }
        }
        nodes.sort_unstable();
        nodes.dedup();
        deps.push(nodes);
    }
    Ok(Graph { deps, barriers })
}

fn missing_name(src: Source<'_>, span: Range<usize>, name: &str, drafts: &[Draft]) -> JobFileError {
    const SHOWN: usize = 8;
    let mut names: Vec<&str> = drafts
        .iter()
        .map(|draft| draft.spec.name.as_str())
        .take(SHOWN)
        .collect();
    if drafts.len() > SHOWN {
        names.push("...");
    }
    src.error(
        span,
        format!(
            "`after` names `{name}`, but no job is called that; expected one of: {}",
            names.join(", ")
        ),
    )
}

/// Refuses a dependency cycle, naming it: `a -> b -> a`.
fn check_cycles(
    src: Source<'_>,
    templates: &[Template],
    drafts: &[Draft],
    graph: &Graph,
) -> Result<(), JobFileError> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    let nodes = graph.deps.len() + graph.barriers.len();
    let mut marks = vec![Mark::New; nodes];
    for root in 0..nodes {
        if marks[root] != Mark::New {
            continue;
        }
        // Iterative depth-first search: a batch of 100,000 jobs in a chain
        // must not overflow the stack.
        let mut path: Vec<(Node, usize)> = vec![(root, 0)];
        marks[root] = Mark::OnPath;
        while let Some(&mut (node, ref mut next)) = path.last_mut() {
            if let Some(&dep) = graph.next(node).get(*next) {
                *next += 1;
                match marks[dep] {
                    Mark::New => {
                        marks[dep] = Mark::OnPath;
                        path.push((dep, 0));
                    }
                    Mark::OnPath => return Err(cycle_error(src, templates, drafts, &path, dep)),
                    Mark::Done => {}
                }
            } else {
                marks[node] = Mark::Done;
                path.pop();
            }
        }
    }
    Ok(())
}

/// The cycle that closes at `back_to`, by job names (barriers are not jobs
/// and are left out).
fn cycle_error(
    src: Source<'_>,
    templates: &[Template],
    drafts: &[Draft],
    path: &[(Node, usize)],
    back_to: Node,
) -> JobFileError {
    let start = path
        .iter()
        .position(|(node, _)| *node == back_to)
        .unwrap_or(0);
    let cycle: Vec<&Draft> = path[start..]
        .iter()
        .filter_map(|(node, _)| drafts.get(*node))
        .collect();
    let mut names: Vec<&str> = cycle.iter().map(|draft| draft.spec.name.as_str()).collect();
    // Back to where it started.
    names.extend(names.first().copied());
    // Point at the `after` entry of the first job in the cycle.
    let span = cycle.first().map_or(0..0, |first| {
        templates[first.template]
            .after
            .first()
            .map_or_else(|| name_span(templates, first), toml::Spanned::span)
    });
    src.error(span, format!("dependency cycle: {}", names.join(" -> ")))
}
