use super::*;

/// Where the first misplaced placeholder of `script` stands, if any.
fn place(script: &str) -> Option<Place> {
    misplaced_placeholder(script).map(|misplaced| misplaced.place)
}

fn accepted(script: &str) {
    assert_eq!(misplaced_placeholder(script), None, "{script:?}");
}

fn refused(script: &str, expected: Place) {
    assert_eq!(place(script), Some(expected), "{script:?}");
}

#[test]
fn ordinary_words_are_accepted() {
    for script in [
        "echo {}",
        "echo pre{}post {.}.gz {/}/{//} {/.}",
        "v={}; printf %s \"$v\"",
        "V={} env",
        "cat {} > {.}.out 2>&1",
        "cat < {}",
        "\"pre\"{}'post'",
        "case {} in {}) echo yes;; *) echo no;; esac",
        "for f in {} {/}; do echo \"$f\"; done",
        "f() { echo \"$1\"; }; f {}",
        "(cd {//} && ls) | wc -l",
        "[ -f {} ] && echo yes",
        "test {} = x || echo no",
        "echo {} # a comment",
        "echo ${HOME} {}",
        "echo $((1 + {#})) {}",
        "echo '{#}' \"{#}\" {#}",
        "cat <<EOF {}\nbody\nEOF",
        "cat <<EOF; echo {}\nbody with {#}\nEOF\necho {}",
        "echo `date` {}",
        "echo \\'{}",
        "echo x\\\n{}",
    ] {
        accepted(script);
    }
}

#[test]
fn command_substitution_is_read_afresh() {
    for script in [
        "echo \"$(basename {})\"",
        "echo \"$(printf '%s' {} | tr a b)\"",
        "x=\"$(echo \"$(echo {})\")\"",
        "echo \"$(case {} in *) echo \")\";; esac)\" {}",
        "echo $(case x in (x) echo;; esac) {}",
        "echo \"${x:-$(echo {})}\"",
    ] {
        accepted(script);
    }
}

#[test]
fn quotes_are_refused() {
    refused("echo '{}'", Place::SingleQuotes);
    refused("echo \"{}\"", Place::DoubleQuotes);
    refused("echo \"pre {/} post\"", Place::DoubleQuotes);
    refused("echo 'it''s {}'", Place::SingleQuotes);
    refused("echo \"a\\\"{}\"", Place::DoubleQuotes);
    refused("echo $'{}'", Place::DollarQuotes);
    refused("echo \"$(echo \"{}\")\"", Place::DoubleQuotes);
    refused("echo \"$(echo '{}')\"", Place::SingleQuotes);
    refused("echo '\n{}\n'", Place::SingleQuotes);
    // The unclosed quote still holds it.
    refused("echo \"{}", Place::DoubleQuotes);
    // `$"..."` is bash's translated string: double quotes all the same.
    refused("echo $\"{}\"", Place::DoubleQuotes);
}

#[test]
fn a_case_pattern_does_not_end_a_substitution() {
    // The `)` after the pattern does not end `$(`, so the quote that
    // follows opens inside it and holds the placeholder.
    refused(
        "echo \"$(case a in a) \" {} \";; esac)\"",
        Place::DoubleQuotes,
    );
    refused(
        "echo $(case a in\n a|b) echo \"{}\";;\n esac)",
        Place::DoubleQuotes,
    );
    // `case` as an argument is a plain word.
    refused("echo \"$(echo case a) {}\"", Place::DoubleQuotes);
}

#[test]
fn escapes_and_dollars_are_refused() {
    refused("echo \\{}", Place::Backslash);
    refused("echo ${}", Place::Dollar);
    refused("echo ${.}", Place::Dollar);
    refused("echo $\\\n{}", Place::Dollar);
    refused("echo \"\\{}\"", Place::DoubleQuotes);
}

#[test]
fn expansions_that_reread_text_are_refused() {
    refused("echo `echo {}`", Place::Backquotes);
    refused("echo \"`echo {}`\"", Place::Backquotes);
    refused("echo ${x:-{}}", Place::Braces);
    refused("echo $(( {} + 1 ))", Place::Arithmetic);
    refused("echo $(( $(echo {}) + 1 ))", Place::Arithmetic);
    refused("(( {} > 1 ))", Place::Arithmetic);
    refused("let n={}", Place::Evaluated("let"));
    refused("[[ {} -eq 1 ]]", Place::DoubleBrackets);
    refused("[[ x && {} -eq 1 ]]", Place::DoubleBrackets);
    refused("[[ $(echo {}) == 1 ]]", Place::DoubleBrackets);
    accepted("[[ -v x ]] && echo {}");
    refused("eval echo {}", Place::Evaluated("eval"));
    refused("x=1 eval \"$(echo {})\"", Place::Evaluated("eval"));
    refused("trap 'echo' EXIT; trap {} INT", Place::Evaluated("trap"));
    // Only the command that `eval` starts.
    accepted("eval true; echo {}");
    accepted("echo eval {}");
}

#[test]
fn comments_are_refused() {
    refused("echo hi # {}", Place::Comment);
    refused("# {}\necho", Place::Comment);
    refused("echo hi;# {}", Place::Comment);
    // `#` inside a word is not a comment.
    accepted("echo a#{}");
    accepted("echo $#{}");
}

#[test]
fn here_documents_are_refused() {
    refused("cat <<EOF\n{}\nEOF", Place::HereDoc);
    refused("cat <<'EOF'\n{}\nEOF", Place::HereDoc);
    refused("cat <<-EOF\n\t{}\n\tEOF", Place::HereDoc);
    refused("cat <<{}\nx\n", Place::HereDoc);
    refused("cat <<A <<B\nA\n{}\nB", Place::HereDoc);
    // Backslash-newline joins the lines of an unquoted body before the
    // delimiter is looked for: the body goes on.
    refused("cat <<EOF\nx\\\nEOF\necho {}\nEOF", Place::HereDoc);
    // Not with a quoted delimiter: the body ended.
    accepted("cat <<'EOF'\nx\\\nEOF\necho {}");
    // `<<-` strips the delimiter's tabs; `<<<` is no here-document.
    accepted("cat <<-EOF\n\tbody\n\tEOF\necho {}");
    accepted("cat <<< {}");
}

#[test]
fn shells_that_disagree_leave_the_rest_unclear() {
    // bash reads `{}` inside `$'...'`; dash, which ends the quotes at `\'`,
    // outside.
    refused(
        "echo $'a\\' {}'",
        Place::Unclear("a backslash inside `$'...'`"),
    );
    refused(
        "echo $'a\\'' {}",
        Place::Unclear("a backslash inside `$'...'`"),
    );
    refused(
        "echo \"${x:-'}\" {}",
        Place::Unclear("a `'` inside `${...}` inside double quotes"),
    );
    accepted("echo $'a' {}");
}

#[test]
fn the_number_may_stand_anywhere() {
    accepted("echo '{#}' \"{#}\" \\{#} ${#} $(( {#} )) `echo {#}` # {#}");
    accepted("cat <<EOF\n{#}\nEOF");
}

#[test]
fn the_offset_is_the_placeholders() {
    let script = "echo {} \"{/}\"";
    assert_eq!(
        misplaced_placeholder(script),
        Some(Misplaced {
            at: 9,
            token: "{/}",
            place: Place::DoubleQuotes
        })
    );
}

#[test]
fn bash_arrays_leave_the_rest_unclear() {
    // bash goes on after a syntax error inside `a=(...)`, at the next line,
    // which may be the second line of an input.
    let unclear = Place::Unclear("a bash array assignment, name=(...)");
    refused("a=(( {}", unclear);
    refused("a=(x); echo {}", unclear);
    refused("declare -a a+=(x) {}", unclear);
    refused("a[1]=(x) {}", unclear);
    accepted("a= (echo {})");
}

#[test]
fn double_parentheses_are_arithmetic_anywhere() {
    refused(
        "for (( i = {}; i < 3; i++ )); do :; done",
        Place::Arithmetic,
    );
    refused("echo ok && (( {} ))", Place::Arithmetic);
    accepted("( (echo {}) )");
}

#[test]
fn arithmetic_ends_at_its_double_parenthesis() {
    // dash reads arithmetic to the `))`: `{}` is inside; bash reads
    // `$( ()x {} )` then `)`.
    refused(
        "echo $(()x {} ))",
        Place::Unclear("a `$((` or `((` with a lone `)`"),
    );
    refused("echo $(( (x) {} ))", Place::Arithmetic);
    refused(
        "echo $((echo a) ; echo b) {}",
        Place::Unclear("a `$((` or `((` with a lone `)`"),
    );
    accepted("echo $(( (1 + 2) * 3 )) {}");
}

#[test]
fn a_command_may_be_eval_under_another_spelling() {
    // Quotes keep a reserved word from being one, but not a builtin.
    refused("\\let {}", Place::Evaluated("let"));
    refused("e\"va\"l echo {}", Place::Evaluated("eval"));
    // A name that comes from an expansion or an input may be `eval`...
    for script in ["$CMD {}", "\"$PYTHON\" x {}", "`echo`let {}", "{/} {}"] {
        refused(script, Place::UnnamedCommand);
    }
    // ... but not a path, or a name before an assignment's value.
    accepted("$HOME/bin/tool {}");
    accepted("./{/} {}");
    accepted("V=$HOME printf %s {}");
    accepted("{} 2>/dev/null; printf %s {}");
}

#[test]
fn quotes_in_arithmetic_leave_the_rest_unclear() {
    // dash ends this at the first `))`; bash reads `' ))'` as a quote.
    refused(
        "a=$((' ]]))#}{}))",
        Place::Unclear("a quote inside `$((...))` or `((...))`"),
    );
    refused(
        "echo $(( \"1\" )) {}",
        Place::Unclear("a quote inside `$((...))` or `((...))`"),
    );
}

#[test]
fn quotes_inside_nested_braces_inside_double_quotes_are_unclear() {
    refused(
        "echo \"${a:-${b:-'}'}}\" {}",
        Place::Unclear("a `'` inside `${...}` inside double quotes"),
    );
    accepted("echo ${a:-${b:-'}'}} {}");
}

#[test]
fn prefixes_and_aliases_reach_eval_too() {
    refused("command eval {}", Place::Evaluated("eval"));
    refused("command -p eval {}", Place::Evaluated("eval"));
    refused("builtin eval {}", Place::Evaluated("eval"));
    refused("time -p eval {}", Place::Evaluated("eval"));
    refused("alias a={}\na", Place::Evaluated("alias"));
    refused("command \"$x\" {}", Place::UnnamedCommand);
    accepted("command -v gzip && gzip -k {}");
    accepted("time gzip -k {}");
}
