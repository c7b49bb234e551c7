//! `inputs_glob`: the files a pattern matches, found by a bounded walk.
//!
//! The walk starts at the pattern's literal folder (`data/in` for
//! `data/in/**/*.csv`), goes no deeper than the pattern does unless it has
//! `**`, and skips folders whose names cannot match the pattern's component
//! at their depth. It looks at no more than [`MAX_ENTRIES_LOOKED_AT`]
//! files and folders and keeps no more than [`MAX_INPUTS`] matches; past
//! either, the file is refused with a message that says how to narrow the
//! pattern. A `**` from the filesystem's root is refused outright.
//!
//! Matching is glob's: `*` and `?` stay within one path component, `**`
//! (a whole component) spans any number (and matches only folders at the
//! end of a pattern), hidden files match `*`, symbolic links to folders are
//! followed (a loop is skipped), and matches come in sorted order, folder
//! by folder.

use std::cell::Cell;
use std::path::{Path, PathBuf};

use glob::{MatchOptions, Pattern};
use toml::Spanned;
use walkdir::WalkDir;

use super::JobFileError;
use super::fields::Source;

/// The most files and folders one `inputs_glob` looks at.
pub(crate) const MAX_ENTRIES_LOOKED_AT: usize = 1_000_000;

/// The most inputs one `inputs_glob` may match: a batch's largest size, as
/// for `count`.
// MAX_COUNT is 100,000: the cast is exact on every target.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub(crate) const MAX_INPUTS: usize = super::template::MAX_COUNT as usize;

/// How far a walk may go.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Bounds {
    /// Files and folders looked at.
    pub entries: usize,
    /// Matches kept.
    pub inputs: usize,
}

impl Bounds {
    /// The bounds every job file gets.
    pub(crate) const JOB_FILE: Self = Self {
        entries: MAX_ENTRIES_LOOKED_AT,
        inputs: MAX_INPUTS,
    };
}

/// glob's options: `*` stops at `/`, hidden files match.
const OPTIONS: MatchOptions = MatchOptions {
    case_sensitive: true,
    require_literal_separator: true,
    require_literal_leading_dot: false,
};

/// The files matching `pattern`, relative to `base` when the pattern is
/// (and shown that way), within `bounds`.
pub(crate) fn glob_inputs(
    src: Source<'_>,
    base: &Path,
    pattern: &Spanned<String>,
    bounds: Bounds,
) -> Result<Vec<String>, JobFileError> {
    let text = pattern.get_ref();
    let span = pattern.span();
    let absolute = Path::new(text).is_absolute();
    let full = if absolute {
        text.clone()
    } else {
        let base = base.to_str().ok_or_else(|| {
            src.error(
                span.clone(),
                "`inputs_glob` needs the job file's directory to be valid UTF-8",
            )
        })?;
        format!("{}/{text}", Pattern::escape(base))
    };
    let whole = Pattern::new(&full).map_err(|error| {
        src.error(
            span.clone(),
            format!("`inputs_glob` is not a valid pattern: {}", error.msg),
        )
    })?;
    let components: Vec<&str> = text.split('/').filter(|part| !part.is_empty()).collect();
    let literal = components
        .iter()
        .take_while(|part| !part.contains(['*', '?', '[']))
        .count();
    let mut root = if absolute {
        PathBuf::from("/")
    } else {
        base.to_path_buf()
    };
    root.extend(&components[..literal]);
    let rest = &components[literal..];
    if absolute && literal == 0 && rest.contains(&"**") {
        return Err(src.error(
            span,
            format!(
                "`inputs_glob` pattern `{text}` would walk the whole filesystem; start it with the folder that holds the inputs, such as `/data/**/*.csv`"
            ),
        ));
    }
    let found = walk(&root, rest, &whole, bounds).map_err(|stop| {
        let message = match stop {
            Stop::Entries => format!(
                "`inputs_glob` pattern `{text}` looked at more than {} files and folders under `{}` without finishing; start it with the folder that holds the inputs, or list them in `inputs`",
                bounds.entries,
                root.display()
            ),
            Stop::Inputs => format!(
                "`inputs_glob` pattern `{text}` matches more than {} files, the most one batch may have; narrow the pattern or split the batch",
                bounds.inputs
            ),
        };
        src.error(span.clone(), message)
    })?;
    if found.is_empty() {
        return Err(src.error(
            span,
            format!("`inputs_glob` pattern `{text}` matched no files"),
        ));
    }
    Ok(found
        .into_iter()
        .map(|path| {
            let shown = if absolute {
                path.as_path()
            } else {
                path.strip_prefix(base).unwrap_or(&path)
            };
            shown.to_string_lossy().into_owned()
        })
        .collect())
}

/// Which bound a walk hit.
#[derive(Debug, PartialEq)]
enum Stop {
    Entries,
    Inputs,
}

/// The paths under `root` that `whole` matches; `rest` is the pattern's
/// components below `root`.
fn walk(root: &Path, rest: &[&str], whole: &Pattern, bounds: Bounds) -> Result<Vec<PathBuf>, Stop> {
    if rest.is_empty() {
        // No wildcard at all: the path itself, if it is there.
        return Ok(root
            .exists()
            .then(|| root.to_path_buf())
            .into_iter()
            .collect());
    }
    // Folders above the first `**` must match their component to be
    // entered; below it anything may lead to a match.
    let prunable = rest
        .iter()
        .position(|part| *part == "**")
        .unwrap_or(rest.len());
    let parts: Vec<Option<Pattern>> = rest[..prunable]
        .iter()
        .map(|part| Pattern::new(part).ok())
        .collect();
    let ends_in_double_star = rest.last() == Some(&"**");
    let max_depth = if prunable < rest.len() {
        usize::MAX
    } else {
        rest.len()
    };
    // Counted by the filter, which sees every entry the walk reads, pruned
    // ones included; read by the loop, which stops the walk.
    let looked_at = Cell::new(0_usize);
    let walker = WalkDir::new(root)
        .min_depth(1)
        .max_depth(max_depth)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| {
            looked_at.set(looked_at.get() + 1);
            let Some(part) = entry.depth().checked_sub(1).and_then(|at| parts.get(at)) else {
                return true;
            };
            !entry.file_type().is_dir()
                || part.as_ref().is_none_or(|part| {
                    part.matches_with(&entry.file_name().to_string_lossy(), OPTIONS)
                })
        });
    let mut found = Vec::new();
    for entry in walker {
        if looked_at.get() > bounds.entries {
            return Err(Stop::Entries);
        }
        let Ok(entry) = entry else {
            // Unreadable folders and symlink loops are skipped, as glob does.
            continue;
        };
        // As in glob, a pattern that ends in `**` matches folders only.
        let kind_fits = !ends_in_double_star || entry.file_type().is_dir();
        if kind_fits && whole.matches_path_with(entry.path(), OPTIONS) {
            if found.len() == bounds.inputs {
                return Err(Stop::Inputs);
            }
            found.push(entry.into_path());
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tree of files (and their folders) under a fresh temp dir.
    fn tree(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for file in files {
            let path = dir.path().join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        dir
    }

    fn inputs(base: &Path, pattern: &str, bounds: Bounds) -> Result<Vec<String>, String> {
        let src = Source {
            path: Path::new("t.toml"),
            text: "x",
        };
        glob_inputs(src, base, &Spanned::new(0..1, pattern.to_owned()), bounds)
            .map_err(|error| error.message().to_owned())
    }

    /// What the glob crate itself finds, shown the same way.
    fn glob_crate(base: &Path, pattern: &str) -> Vec<String> {
        let full = format!("{}/{pattern}", Pattern::escape(base.to_str().unwrap()));
        glob::glob(&full)
            .unwrap()
            .flatten()
            .map(|path| {
                path.strip_prefix(base)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect()
    }

    #[test]
    fn matches_what_the_glob_crate_matches_in_the_same_order() {
        let dir = tree(&[
            "in/b.txt",
            "in/a.txt",
            "in/.hidden.txt",
            "in/c d.txt",
            "in/x.dat",
            "in/sub/deep.txt",
            "in/sub/deeper/deepest.txt",
            "other/a.txt",
            "top.txt",
        ]);
        for pattern in [
            "in/*.txt",
            "in/**/*.txt",
            "**/a.txt",
            "*/a.txt",
            "in/s?b/*.txt",
            "in/[ab].txt",
            "*.txt",
            "in/sub",
            "in/**",
        ] {
            let ours = inputs(dir.path(), pattern, Bounds::JOB_FILE)
                .unwrap_or_else(|error| panic!("{pattern}: {error}"));
            assert_eq!(ours, glob_crate(dir.path(), pattern), "{pattern}");
        }
    }

    #[test]
    fn a_walk_that_looks_at_too_many_entries_stops_and_says_so() {
        let files: Vec<String> = (0..50).map(|i| format!("many/f{i:02}.log")).collect();
        let files: Vec<&str> = files.iter().map(String::as_str).collect();
        let dir = tree(&files);
        let bounds = Bounds {
            entries: 10,
            inputs: 1_000,
        };
        let error = inputs(dir.path(), "**/*.txt", bounds).unwrap_err();
        assert!(
            error.starts_with(
                "`inputs_glob` pattern `**/*.txt` looked at more than 10 files and folders under `"
            ),
            "{error}"
        );
        assert!(
            error.ends_with(
                "start it with the folder that holds the inputs, or list them in `inputs`"
            ),
            "{error}"
        );
        // Folders whose names cannot match are not entered, and do not count
        // beyond themselves.
        let found = inputs(dir.path(), "m*/f0?.log", bounds).unwrap_err();
        assert!(found.contains("looked at more than 10"), "{found}");
        let small = tree(&[
            "keep/a.txt",
            "skip/1",
            "skip/2",
            "skip/3",
            "skip/4",
            "skip/5",
        ]);
        let bounds = Bounds {
            entries: 4,
            inputs: 1_000,
        };
        assert_eq!(
            inputs(small.path(), "k*/*.txt", bounds).unwrap(),
            ["keep/a.txt"]
        );
    }

    #[test]
    fn more_matches_than_a_batch_may_have_are_refused() {
        let files: Vec<String> = (0..6).map(|i| format!("f{i}.txt")).collect();
        let files: Vec<&str> = files.iter().map(String::as_str).collect();
        let dir = tree(&files);
        let bounds = Bounds {
            entries: 1_000,
            inputs: 5,
        };
        assert_eq!(
            inputs(dir.path(), "*.txt", bounds).unwrap_err(),
            "`inputs_glob` pattern `*.txt` matches more than 5 files, the most one batch may have; narrow the pattern or split the batch"
        );
        assert_eq!(inputs(dir.path(), "f[0-4].txt", bounds).unwrap().len(), 5);
    }

    #[test]
    fn a_double_star_from_the_root_is_refused_without_walking() {
        // Bounds of zero: any walk at all would fail differently.
        let bounds = Bounds {
            entries: 0,
            inputs: 0,
        };
        for pattern in ["/**", "/**/*.log", "//**/x"] {
            let error = inputs(Path::new("."), pattern, bounds).unwrap_err();
            assert!(error.contains("would walk the whole filesystem"), "{error}");
        }
    }
}
