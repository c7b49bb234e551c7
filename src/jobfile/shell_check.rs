//! What a job file may not do with inputs: put a placeholder where a
//! `shell = true` command cannot protect it (see `shell_scan` for where that
//! is), or give an input a NUL, which no program argument can carry.
//!
//! Both are refused when the file is read, so `check`, `run` and the window
//! refuse them alike, at the placeholder's or the input's line and column.

use std::ops::Range;

use toml::Spanned;
use toml::de::DeValue;

use super::JobFileError;
use super::expand::placeholders;
use super::fields::Source;
use super::shell_scan::{Misplaced, Place, misplaced_placeholder};

/// Refuses the `shell = true` `command` (read as `argv`, which the shell
/// gets joined by spaces) when a placeholder in it stands where quoting
/// cannot protect an input.
pub(crate) fn check_shell_command(
    src: Source<'_>,
    command: &Spanned<DeValue<'_>>,
    argv: &[String],
) -> Result<(), JobFileError> {
    let script = argv.join(" ");
    let Some(misplaced) = misplaced_placeholder(&script) else {
        return Ok(());
    };
    // Back from the joined script to the argument, then to the file.
    let mut word_start = 0;
    let mut index = 0;
    for (i, word) in argv.iter().enumerate() {
        if misplaced.at < word_start + word.len() {
            index = i;
            break;
        }
        word_start += word.len() + 1;
    }
    let span = match command.get_ref() {
        DeValue::Array(items) => items.get(index).map_or(command.span(), Spanned::span),
        _ => command.span(),
    };
    let at = position_in_literal(src, &argv[index], misplaced.at - word_start, span);
    Err(src.error(at, message(misplaced)))
}

/// Refuses an input holding a NUL character.
pub(crate) fn check_inputs(
    src: Source<'_>,
    inputs: &[Spanned<String>],
) -> Result<(), JobFileError> {
    match inputs
        .iter()
        .position(|input| input.get_ref().contains('\0'))
    {
        Some(index) => Err(src.error(
            inputs[index].span(),
            format!(
                "input {} holds a NUL character (\\u0000), which no program argument can carry; \
                 remove it",
                index + 1
            ),
        )),
        None => Ok(()),
    }
}

/// Where, in the file, the placeholder at byte `offset` of `value` is, given
/// the span of the TOML string `value` was read from. Escapes can make the
/// two differ in length, so the placeholder is found by its rank among the
/// placeholders of each; when they do not match (a brace written as an
/// escape), the string's start is close enough.
fn position_in_literal(
    src: Source<'_>,
    value: &str,
    offset: usize,
    span: Range<usize>,
) -> Range<usize> {
    let rank = placeholders(value)
        .take_while(|(at, _)| *at < offset)
        .count();
    let literal = &src.text[span.clone()];
    if placeholders(literal).count() != placeholders(value).count() {
        return span;
    }
    match placeholders(literal).nth(rank) {
        Some((at, token)) => span.start + at..span.start + at + token.len(),
        None => span,
    }
}

/// What is wrong with `misplaced`, and the fix.
fn message(misplaced: Misplaced) -> String {
    let token = misplaced.token;
    let inside = |what: &str| {
        format!(
            "`{token}` stands inside {what} in a `shell = true` command; remove the quotes around \
             {token}: jobdeck quotes every input itself"
        )
    };
    match misplaced.place {
        Place::SingleQuotes => inside("single quotes"),
        Place::DoubleQuotes => inside("double quotes"),
        Place::DollarQuotes => inside("`$'...'` quotes"),
        Place::Backslash => format!(
            "`{token}` follows a backslash in a `shell = true` command; remove the backslash \
             before {token}: jobdeck quotes every input itself"
        ),
        Place::Dollar => format!(
            "`{token}` follows a `$` in a `shell = true` command, which would make jobdeck's \
             quotes `$'...'`; remove the `$` before {token}: jobdeck quotes every input itself"
        ),
        Place::Backquotes => format!(
            "`{token}` stands inside backquotes in a `shell = true` command, where quotes cannot \
             protect an input; write $(...) instead of `...`"
        ),
        Place::Braces => format!(
            "`{token}` stands inside `${{...}}` in a `shell = true` command, where shells read \
             quotes differently; assign it to a variable first (v={token}) and use that"
        ),
        Place::Arithmetic => format!(
            "`{token}` stands in arithmetic, $((...)) or ((...)), in a `shell = true` command, \
             which would evaluate an input as code; pass it to a program instead"
        ),
        Place::DoubleBrackets => format!(
            "`{token}` stands inside bash's [[ ]] in a `shell = true` command, which sh (dash) \
             does not know and bash may evaluate as arithmetic; use [ ] instead"
        ),
        Place::Evaluated(builtin) => format!(
            "`{token}` is an argument of `{builtin}` in a `shell = true` command, which runs it \
             as shell code; pass the input as data instead"
        ),
        Place::UnnamedCommand => format!(
            "`{token}` is an argument of a command whose name comes from an expansion or an \
             input, which could be `eval` and run it as shell code; write the command's name \
             (or path) out"
        ),
        Place::Comment => format!(
            "`{token}` stands in a comment in a `shell = true` command, which an input with a \
             newline would leave; take it out of the comment"
        ),
        Place::HereDoc => format!(
            "`{token}` stands in a here-document in a `shell = true` command, where quotes are \
             not read; pass it as an argument instead, such as printf '%s\\n' {token} | ..."
        ),
        Place::Unclear(what) => format!(
            "`{token}` comes after {what} in a `shell = true` command, which dash and bash read \
             differently, so where {token} stands is not certain; rewrite that part"
        ),
    }
}
