//! GNU-parallel placeholders, with GNU parallel's answers (its man page,
//! "Replacement strings"; `tests/placeholders.rs` compares every one with
//! what `parallel` itself substitutes):
//!
//! - `{}`: the input.
//! - `{.}`: the input without its extension: from its last `.` to the end
//!   is removed, unless a `/` follows that dot (`dir.d/a.tar.gz` gives
//!   `dir.d/a.tar`, `x.d/` stays `x.d/`, `.bashrc` gives nothing, `a/.`
//!   gives `a/`).
//! - `{/}`: the base name: everything after the last `/` (`x.d/` and `/`
//!   give nothing).
//! - `{//}`: the directory, as Perl's `dirname` gives it, which is
//!   dirname(1)'s answer except that `//x` gives `/` (`a//x` gives `a`,
//!   `x.d/` gives `.`, `/` gives `/`).
//! - `{/.}`: the base name without its extension (`.bashrc` gives nothing).
//! - `{#}`: the job's 1-based number in its batch.
//!
//! The one deliberate difference: parallel cuts the base name with a Perl
//! regex whose `.` stops at a newline, so for an input with a newline before
//! its last `/` its `{/}` and `{/.}` keep part of the directory (`a\nb/c.d`
//! gives `a\nc.d`). jobdeck does not split inputs on newlines: its `{/}` is
//! always what follows the last `/` (`c.d`).
//!
//! Only these exact tokens are replaced; any other braces (`${HOME}`, awk's
//! `{print}`) are left alone. For `shell = true` commands every value taken
//! from the input is single-quoted (see [`sh_quote`]); `shell_check` refuses
//! the places in a script where quoting cannot protect it.

/// Every placeholder, longest first so `{//}` is not read as `{/}`.
const TOKENS: [&str; 6] = ["{//}", "{/.}", "{/}", "{.}", "{}", "{#}"];

/// The placeholder whose value is the job's number, not taken from the input.
pub(crate) const NUMBER: &str = "{#}";

/// One job of a batch: its number and, for `inputs` batches, its input.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Slot<'a> {
    /// 1-based position in the batch.
    pub number: usize,
    /// The input, when the batch has inputs.
    pub input: Option<&'a str>,
}

/// The first placeholder in `text` that needs an input (all but `{#}`).
pub(crate) fn input_placeholder(text: &str) -> Option<&'static str> {
    placeholders(text)
        .find(|(_, token)| *token != NUMBER)
        .map(|(_, token)| token)
}

/// Whether `text` holds any placeholder at all.
pub(crate) fn has_placeholder(text: &str) -> bool {
    placeholders(text).next().is_some()
}

/// `text` with its placeholders replaced for `slot`. With `quote`, values
/// taken from the input are quoted for `sh` (see [`sh_quote`]).
pub(crate) fn expand(text: &str, slot: Slot<'_>, quote: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    for (at, token) in placeholders(text) {
        out.push_str(&text[rest..at]);
        rest = at + token.len();
        if token == NUMBER {
            out.push_str(&slot.number.to_string());
            continue;
        }
        let value = derive(token, slot.input.unwrap_or(""));
        if quote {
            sh_quote(&mut out, value);
        } else {
            out.push_str(value);
        }
    }
    out.push_str(&text[rest..]);
    out
}

/// Appends `value` to `out` in single quotes, each `'` in it written `'\''`.
///
/// Always quoted, even a plain word: a bare `case` or `PATH` could become a
/// reserved word or an assignment's name where the template puts it, while a
/// single-quoted string is literal text in every position `shell_check`
/// accepts (and nowhere else does jobdeck put it). Newlines need nothing
/// more. A NUL stays in the text, where it makes the spawn fail (no C string
/// can hold it) rather than cut the script short; job files refuse such
/// inputs before that.
pub(crate) fn sh_quote(out: &mut String, value: &str) {
    out.push('\'');
    for (i, part) in value.split('\'').enumerate() {
        if i > 0 {
            out.push_str("'\\''");
        }
        out.push_str(part);
    }
    out.push('\'');
}

/// Positions and tokens of the placeholders in `text`, left to right: the
/// very places [`expand`] replaces.
pub(crate) fn placeholders(text: &str) -> impl Iterator<Item = (usize, &'static str)> + '_ {
    let mut from = 0;
    std::iter::from_fn(move || {
        while let Some(offset) = text[from..].find('{') {
            let at = from + offset;
            if let Some(token) = TOKENS
                .into_iter()
                .find(|token| text[at..].starts_with(token))
            {
                from = at + token.len();
                return Some((at, token));
            }
            from = at + 1;
        }
        None
    })
}

/// The value of input placeholder `token` for `input`.
fn derive<'a>(token: &str, input: &'a str) -> &'a str {
    match token {
        "{}" => input,
        "{.}" => without_extension(input),
        "{/}" => base_name(input),
        "{//}" => dir_name(input),
        "{/.}" => without_extension(base_name(input)),
        _ => unreachable!("`placeholders` yields only known tokens, and {{#}} is handled apart"),
    }
}

/// Everything after the last `/`.
fn base_name(path: &str) -> &str {
    path.rfind('/').map_or(path, |slash| &path[slash + 1..])
}

/// `path` without its last `.` and what follows, unless a `/` follows it
/// (parallel's `s:\.[^/.]*$::`).
fn without_extension(path: &str) -> &str {
    match path.rfind('.') {
        Some(dot) if !path[dot..].contains('/') => &path[..dot],
        _ => path,
    }
}

/// The directory part of `path`, as Perl's `File::Basename::dirname` gives
/// it on Unix (which parallel uses): the part up to the last `/` without its
/// trailing slashes; for a path that ends in `/`, the same taken once more.
fn dir_name(path: &str) -> &str {
    let (dir, base) = split_last_slash(path);
    let dir = trim_trailing_slashes(dir);
    if base.is_empty() {
        trim_trailing_slashes(split_last_slash(dir).0)
    } else {
        dir
    }
}

/// The part up to and including the last `/` (`./` without one), and the
/// rest.
fn split_last_slash(path: &str) -> (&str, &str) {
    match path.rfind('/') {
        Some(slash) => path.split_at(slash + 1),
        None => ("./", path),
    }
}

/// `dir` without trailing slashes, but never emptier than its first
/// character: `/` and `///` give `/`.
fn trim_trailing_slashes(dir: &str) -> &str {
    let trimmed = dir.trim_end_matches('/');
    if trimmed.is_empty() {
        &dir[..dir.len().min(1)]
    } else {
        trimmed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(input: &str, text: &str) -> String {
        expand(
            text,
            Slot {
                number: 7,
                input: Some(input),
            },
            false,
        )
    }

    fn all(input: &str) -> [String; 5] {
        ["{}", "{.}", "{/}", "{//}", "{/.}"].map(|token| with(input, token))
    }

    #[test]
    fn placeholders_as_in_gnu_parallel() {
        let input = "logs/2024/app.tar.gz";
        assert_eq!(with(input, "{}"), "logs/2024/app.tar.gz");
        assert_eq!(with(input, "{/}"), "app.tar.gz");
        assert_eq!(with(input, "{.}"), "logs/2024/app.tar");
        assert_eq!(with(input, "{/.}"), "app.tar");
        assert_eq!(with(input, "{//}"), "logs/2024");
        assert_eq!(with(input, "job {#}: {/}"), "job 7: app.tar.gz");
        assert_eq!(with("a.log", "{//}/{/.}.gz"), "./a.gz");
        assert_eq!(with("/x.txt", "{//}"), "/");
    }

    /// The cases where jobdeck used to differ from parallel 20221122, with
    /// parallel's answers, in the order `{}`, `{.}`, `{/}`, `{//}`, `{/.}`.
    #[test]
    fn the_answers_parallel_gives_where_jobdeck_used_to_differ() {
        // Its `{.}` only strips a `.` after the last `/`.
        assert_eq!(all("x.d/"), ["x.d/", "x.d/", "", ".", ""]);
        // The last `.` to the end goes, even when it is the first character.
        assert_eq!(all(".bashrc"), [".bashrc", "", ".bashrc", ".", ""]);
        assert_eq!(
            all("dir/.hidden"),
            ["dir/.hidden", "dir/", ".hidden", "dir", ""]
        );
        assert_eq!(all("a/."), ["a/.", "a/", ".", "a", ""]);
        assert_eq!(all(".."), ["..", ".", "..", ".", "."]);
        // `{//}` is dirname's answer.
        assert_eq!(all("a//x"), ["a//x", "a//x", "x", "a", "x"]);
        assert_eq!(all("/"), ["/", "/", "", "/", ""]);
        assert_eq!(all("//x"), ["//x", "//x", "x", "/", "x"]);
        assert_eq!(all("a/b//"), ["a/b//", "a/b//", "", "a", ""]);
        assert_eq!(all(""), ["", "", "", ".", ""]);
    }

    /// The documented exception: jobdeck's base name is after the last `/`
    /// whatever newlines come before it (parallel would give `a\nc.d`).
    #[test]
    fn a_newline_does_not_hide_a_slash() {
        assert_eq!(all("a\nb/c.d"), ["a\nb/c.d", "a\nb/c", "c.d", "a\nb", "c"]);
    }

    #[test]
    fn other_braces_are_left_alone() {
        assert_eq!(
            with("a", "${HOME} {print $1} {x} {"),
            "${HOME} {print $1} {x} {"
        );
        assert!(!has_placeholder("${HOME}"));
        assert_eq!(input_placeholder("n{#} {/}"), Some("{/}"));
        assert_eq!(input_placeholder("n{#}"), None);
    }

    #[test]
    fn shell_quoting_keeps_every_input_one_literal_word() {
        let quoted = |input: &str| {
            let slot = Slot {
                number: 3,
                input: Some(input),
            };
            expand("wc -l {} n{#}", slot, true)
        };
        assert_eq!(quoted("my file.txt"), "wc -l 'my file.txt' n3");
        assert_eq!(quoted("a.log"), "wc -l 'a.log' n3");
        assert_eq!(quoted("it's"), r"wc -l 'it'\''s' n3");
        assert_eq!(quoted(""), "wc -l '' n3");
        assert_eq!(quoted("''"), r"wc -l ''\'''\''' n3");
        assert_eq!(quoted("a\nb"), "wc -l 'a\nb' n3");
        let slot = Slot {
            number: 1,
            input: Some("my file.txt"),
        };
        assert_eq!(expand("wc -l {}", slot, false), "wc -l my file.txt");
    }
}
