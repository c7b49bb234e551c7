//! Templates the checker refuses: at the placeholder, with the fix, and for
//! good reason (filled in as jobdeck would, each runs a hostile input).

use std::path::Path;
use std::process::Command;

use jobdeck::jobfile;

use crate::{HOSTILE, MARKER, clear, job_file, run_shell};

/// The message `text` (a whole job file) is refused with.
fn refusal(text: &str) -> String {
    match jobfile::parse(text, Path::new("t.toml")) {
        Ok(file) => panic!("accepted with {} jobs:\n{text}", file.plan.jobs.len()),
        Err(error) => error.to_string(),
    }
}

/// A job file whose shell command is `command` (TOML, as written).
fn with_command(command: &str) -> String {
    format!("[[job]]\ncommand = {command}\nshell = true\ninputs = [\"a\"]\n")
}

#[test]
fn placeholders_in_quotes_are_refused_where_they_stand() {
    let fix = "jobdeck quotes every input itself";
    assert_eq!(
        refusal(&with_command(r#""echo \"{}\"""#)),
        format!(
            "t.toml:2:19: `{{}}` stands inside double quotes in a `shell = true` command; \
             remove the quotes around {{}}: {fix}"
        )
    );
    assert_eq!(
        refusal(&with_command(r#""gzip -c '{/}' > x""#)),
        format!(
            "t.toml:2:21: `{{/}}` stands inside single quotes in a `shell = true` command; \
             remove the quotes around {{/}}: {fix}"
        )
    );
    // In an array, the word it stands in.
    assert_eq!(
        refusal(&with_command(r#"["echo", "ok", "\"{.}.gz\""]"#)),
        format!(
            "t.toml:2:29: `{{.}}` stands inside double quotes in a `shell = true` command; \
             remove the quotes around {{.}}: {fix}"
        )
    );
    // The second placeholder, past escapes and a multi-line string.
    assert_eq!(
        refusal(&with_command(
            "\"\"\"\necho {} \\\"x\\\"\nprintf \"%s\" \"{//}\"\"\"\""
        )),
        format!(
            "t.toml:4:14: `{{//}}` stands inside double quotes in a `shell = true` command; \
             remove the quotes around {{//}}: {fix}"
        )
    );
    assert_eq!(
        refusal(&with_command(r#""echo $'{}'""#)),
        format!(
            "t.toml:2:19: `{{}}` stands inside `$'...'` quotes in a `shell = true` command; \
             remove the quotes around {{}}: {fix}"
        )
    );
}

#[test]
fn other_unprotected_places_are_refused_with_their_fix() {
    for (command, position, says) in [
        (r#""echo \\{}""#, "2:19", "remove the backslash before {}"),
        (r#""echo ${}""#, "2:18", "remove the `$` before {}"),
        ("\"echo `cat {}`\"", "2:22", "write $(...) instead of `...`"),
        (
            r#""echo ${x:-{}}""#,
            "2:22",
            "assign it to a variable first",
        ),
        (
            r#""echo $(( {} ))""#,
            "2:21",
            "would evaluate an input as code",
        ),
        (r#""eval ls {}""#, "2:20", "an argument of `eval`"),
        (r#""ls # {}""#, "2:17", "take it out of the comment"),
        (
            r#""cat <<EOF\n{}\nEOF""#,
            "2:23",
            "stands in a here-document",
        ),
    ] {
        let message = refusal(&with_command(command));
        assert!(
            message.starts_with(&format!("t.toml:{position}: ")) && message.contains(says),
            "{command}: {message}"
        );
    }
}

/// Templates the checker refuses, one or more for each kind of place.
const REFUSED: [&str; 17] = [
    "echo \"{}\"",
    "echo '{}'",
    "echo \"x $(echo \"{}\") y\"",
    "echo $'{}'",
    "echo \\{}",
    "echo ${}",
    "echo `echo {}`",
    "echo \"${x:-{}}\"",
    "echo $(( {} ))",
    "(( {} ))",
    "[[ {} -eq 1 ]]",
    "eval echo {}",
    "echo # {}",
    "cat <<EOF\n{}\nEOF",
    "cat <<'EOF'\n{}\nEOF",
    "echo \"$(case a in a) \" {} \";; esac)\"",
    "echo $'a\\'' {}",
];

#[test]
fn refused_templates_would_run_hostile_inputs() {
    // Each is refused whatever the inputs are...
    let dir = tempfile::tempdir().unwrap();
    for script in REFUSED {
        let error = job_file(dir.path(), script, &HOSTILE).expect_err(script);
        assert!(
            error.message().contains("shell = true"),
            "{script:?}: {error}"
        );
    }
    // ... and with good reason: filled in as jobdeck would fill them, each
    // runs some hostile input in dash or bash.
    let shells: Vec<&str> = ["dash", "bash"]
        .into_iter()
        .filter(|shell| Command::new(shell).arg("-c").arg("true").status().is_ok())
        .collect();
    assert!(!shells.is_empty(), "neither dash nor bash can run");
    for script in REFUSED {
        let ran = HOSTILE.iter().any(|input| {
            let filled = script.replace("{}", &sh_quoted(input));
            shells.iter().any(|shell| {
                run_shell(shell, &filled, dir.path());
                let ran = dir.path().join(MARKER).exists();
                clear(dir.path());
                ran
            })
        });
        assert!(
            ran,
            "{script:?} is refused, yet no hostile input ran in {shells:?}"
        );
    }
}

/// An input quoted as jobdeck quotes it for `sh`.
fn sh_quoted(value: &str) -> String {
    format!("'{}'", value.replace('\'', "'\\''"))
}

#[test]
fn a_nul_in_an_input_is_refused_at_the_input() {
    for shell in ["true", "false"] {
        let text = format!(
            "[[job]]\ncommand = [\"echo\", \"{{}}\"]\nshell = {shell}\ninputs = [\"ok\", \"a\\u0000b\"]\n"
        );
        assert_eq!(
            refusal(&text),
            "t.toml:4:17: input 2 holds a NUL character (\\u0000), which no program argument \
             can carry; remove it"
        );
    }
}

#[test]
fn check_and_run_refuse_a_quoted_placeholder() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("jobs.toml");
    std::fs::write(
        &file,
        "[[job]]\ncommand = \"echo \\\"{}\\\"\"\nshell = true\ninputs = [\"$(touch pwned)\"]\n",
    )
    .unwrap();
    for command in ["check", "run"] {
        let output = Command::new(env!("CARGO_BIN_EXE_jobdeck"))
            .arg(command)
            .arg(&file)
            .current_dir(dir.path())
            .env("JOBDECK_LOG_DIR", dir.path().join("logs"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{command}: {stderr}");
        assert!(
            stderr.contains(&format!(
                "{}:2:19: `{{}}` stands inside double quotes",
                file.display()
            )) && stderr.contains("remove the quotes around {}: jobdeck quotes every input itself"),
            "{command}: {stderr}"
        );
    }
    assert!(!dir.path().join(MARKER).exists());
}
