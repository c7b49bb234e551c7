//! `shell = true` commands and hostile inputs: every template the checker
//! accepts hands each input to the command intact, through the engine's
//! real `sh -c` and through dash and bash directly, and never runs any of
//! it; every template it refuses is refused at the placeholder's line and
//! column with the fix; an input holding NUL is refused at the input.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use common::{PATIENCE, wait_for};
use jobdeck::engine::{EventKind, Outcome, Pool};
use jobdeck::spec::{self, JobFile};

/// The file a hostile input creates if any of it runs as code.
const MARKER: &str = "pwned";

/// Inputs that run `touch pwned` wherever they are read as code: inside
/// double quotes, here-documents or backquotes, after breaking out of
/// quotes, backquotes or braces, on a line of their own, or as arithmetic.
const HOSTILE: [&str; 21] = [
    "$(touch pwned)",
    "`touch pwned`",
    "`; touch pwned; `",
    "; touch pwned",
    "'; touch pwned; '",
    "\"; touch pwned; \"",
    "'$(touch pwned)'",
    "\"$(touch pwned)\"",
    "x\ntouch pwned\n",
    "x\nEOF\ntouch pwned\nEOF\n",
    "a[$(touch pwned)]",
    "\\'; touch pwned; '",
    "' \"$(touch pwned)\" '",
    "}; touch pwned; {",
    ")); touch pwned; ((",
    "| touch pwned &",
    "'\n# '\ntouch pwned\n",
    "",
    "-n *",
    // Reserved words, which must stay plain words.
    "case",
    "if",
];

/// A template the checker accepts, and what it must write to `out.{#}` for
/// an input (`None`: only that nothing runs).
struct Accepted {
    script: &'static str,
    output: Option<fn(&str) -> String>,
}

fn same(value: &str) -> String {
    value.to_owned()
}

/// What `$(...)` makes of `value`: trailing newlines go.
fn substituted(value: &str) -> String {
    value.trim_end_matches('\n').to_owned()
}

const ACCEPTED: [Accepted; 23] = [
    Accepted {
        script: "printf %s {} > out.{#}",
        output: Some(same),
    },
    Accepted {
        script: "printf %s pre{}post > out.{#}",
        output: Some(|value| format!("pre{value}post")),
    },
    Accepted {
        script: "printf %s \"pre\"{}'post' > out.{#}",
        output: Some(|value| format!("pre{value}post")),
    },
    Accepted {
        script: "printf %s {}{} > out.{#}",
        output: Some(|value| format!("{value}{value}")),
    },
    Accepted {
        script: "v={}; printf %s \"$v\" > out.{#}",
        output: Some(same),
    },
    Accepted {
        script: "V={} sh -c 'printf %s \"$V\"' > out.{#}",
        output: Some(same),
    },
    Accepted {
        script: "printf %s \"$(printf %s {})\" > out.{#}",
        output: Some(substituted),
    },
    Accepted {
        script: "printf %s \"$(case {} in *) printf %s {};; esac)\" > out.{#}",
        output: Some(substituted),
    },
    Accepted {
        script: "case {} in *) printf %s {} > out.{#};; esac",
        output: Some(same),
    },
    Accepted {
        script: "f() { printf %s \"$1\" > out.{#}; }; f {}",
        output: Some(same),
    },
    Accepted {
        script: "(printf %s {}) > out.{#}",
        output: Some(same),
    },
    Accepted {
        script: "printf %s {} | cat > out.{#}",
        output: Some(same),
    },
    Accepted {
        script: "for x in {}; do printf %s \"$x\" > out.{#}; done",
        output: Some(same),
    },
    Accepted {
        script: "test -n {} || true; printf %s {} > out.{#} # a comment",
        output: Some(same),
    },
    Accepted {
        script: "printf %s `printf x` {} > out.{#}",
        output: Some(|value| format!("x{value}")),
    },
    Accepted {
        script: "n=$(( {#} + 1 )); printf %s {} > out.{#}",
        output: Some(same),
    },
    Accepted {
        script: "cat <<EOF > out.{#}; printf %s {} >> out.{#}\nline $(printf x)\nEOF",
        output: Some(|value| format!("line x\n{value}")),
    },
    Accepted {
        script: "cat > out.{#} <<'EOF'\n$(touch never)\nEOF\nprintf %s {} >> out.{#}",
        output: Some(|value| format!("$(touch never)\n{value}")),
    },
    Accepted {
        script: "printf %s {}\\\n > out.{#}",
        output: Some(same),
    },
    Accepted {
        script: "[ -n \"$(echo {})\" ]; printf %s {} > out.{#} &\nwait",
        output: Some(same),
    },
    Accepted {
        // Each input a command's name: never a reserved word.
        script: "{} 2>/dev/null; printf %s {} > out.{#}",
        output: Some(same),
    },
    Accepted {
        script: "printf '%s\\n' {/} {.} {//} {/.} $(printf %s {}) > out.{#}",
        output: None,
    },
    Accepted {
        script: "printf %s \"${PWD:+x}\"{} > out.{#}",
        output: Some(|value| format!("x{value}")),
    },
];

/// `inputs = [...]` for a job file.
fn toml_list(inputs: &[&str]) -> String {
    let items: Vec<String> = inputs
        .iter()
        .map(|input| toml::Value::String((*input).to_owned()).to_string())
        .collect();
    format!("[{}]", items.join(", "))
}

fn job_file(dir: &Path, script: &str, inputs: &[&str]) -> Result<JobFile, spec::SpecError> {
    let text = format!(
        "[[job]]\nname = \"t {{#}}\"\ncommand = {}\nshell = true\ninputs = {}\n",
        toml::Value::String(script.to_owned()),
        toml_list(inputs)
    );
    spec::parse(&text, &dir.join("jobs.toml"))
}

#[test]
fn accepted_templates_hand_hostile_inputs_over_intact() {
    let mut runs = 0;
    for template in &ACCEPTED {
        let dir = tempfile::tempdir().unwrap();
        let file = job_file(dir.path(), template.script, &HOSTILE)
            .unwrap_or_else(|error| panic!("{:?} was refused: {error}", template.script));
        let scripts: Vec<String> = file.jobs.iter().map(|job| job.summary.clone()).collect();
        // Through the engine: the job runs `sh -c SCRIPT` in the file's
        // directory.
        run_all(file);
        check_outputs(dir.path(), template, "sh, through the engine");
        // And each script through dash and bash themselves.
        for shell in ["dash", "bash"] {
            if Command::new(shell).arg("-c").arg("true").status().is_err() {
                continue;
            }
            clear(dir.path());
            for script in &scripts {
                run_shell(shell, script, dir.path());
                runs += 1;
            }
            check_outputs(dir.path(), template, shell);
        }
    }
    println!(
        "{} templates x {} hostile inputs, plus {runs} direct dash/bash runs: nothing ran",
        ACCEPTED.len(),
        HOSTILE.len()
    );
}

/// Every output is as `template` promises and no marker exists.
fn check_outputs(dir: &Path, template: &Accepted, shell: &str) {
    assert!(
        !dir.join(MARKER).exists() && !dir.join("never").exists(),
        "{:?} ran an input as code under {shell}",
        template.script
    );
    let Some(output) = template.output else {
        return;
    };
    for (number, input) in HOSTILE.iter().enumerate() {
        let path = dir.join(format!("out.{}", number + 1));
        let written = std::fs::read_to_string(&path)
            .unwrap_or_else(|error| panic!("{:?} under {shell}: {error}", template.script));
        assert_eq!(
            written,
            output(input),
            "{:?} with input {input:?} under {shell}",
            template.script
        );
    }
}

fn clear(dir: &Path) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().is_some_and(|name| name != "jobs.toml") {
            std::fs::remove_file(path).unwrap();
        }
    }
}

/// Runs `script` with `shell -c` in `dir`, stdin closed, to its end.
fn run_shell(shell: &str, script: &str, dir: &Path) {
    let mut child: Child = Command::new(shell)
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for(&format!("{shell} -c {script:?} to end"), PATIENCE, || {
        child.try_wait().unwrap()
    });
}

/// Runs every job of `file`; each must succeed.
fn run_all(file: JobFile) {
    let count = file.jobs.len();
    let (pool, mut events) = Pool::new(2).unwrap();
    pool.submit_all(file.jobs.into_iter().map(|planned| planned.job).collect())
        .unwrap();
    let mut outcomes = HashMap::new();
    while outcomes.len() < count {
        let event = events
            .recv_timeout(PATIENCE)
            .expect("every job ends in time");
        if let EventKind::Finished(outcome) = event.kind {
            outcomes.insert(event.job, outcome);
        }
    }
    for outcome in outcomes.values() {
        assert!(matches!(outcome, Outcome::Succeeded(_)), "{outcome:?}");
    }
}

/// The message `text` (a whole job file) is refused with.
fn refusal(text: &str) -> String {
    match spec::parse(text, Path::new("t.toml")) {
        Ok(file) => panic!("accepted with {} jobs:\n{text}", file.jobs.len()),
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

/// Pieces of shell syntax that random templates are made of: every kind of
/// quote, expansion, comment, here-document and keyword the checker reads.
const PIECES: [&str; 67] = [
    "{}",
    "{}",
    "{}",
    "{/}",
    "{#}",
    " ",
    " ",
    "\n",
    ";",
    "|",
    "&&",
    "'",
    "'",
    "\"",
    "\"",
    "`",
    "\\",
    "\\\n",
    "$",
    "$(",
    ")",
    "(",
    "${x:-",
    "${",
    "}",
    "$((",
    "))",
    "$'",
    "$\"",
    "#",
    "<<EOF\n",
    "EOF\n",
    "<<'E'\n",
    "E\n",
    "<<-T\n",
    "\tT\n",
    "<<<",
    "case a in a) ",
    "(a) ",
    ";; esac",
    ";&",
    "esac ",
    "case ",
    "eval ",
    "let ",
    "trap ",
    "alias b=",
    "command ",
    "[[ ",
    " ]]",
    " -eq ",
    "((",
    "printf %s ",
    "a=",
    "a=(",
    "export ",
    "for x in ",
    "; do ",
    " done",
    "if ",
    " then ",
    " fi",
    "{ ",
    " }",
    "<(",
    "$x",
    "./",
];

/// Inputs that break out of whatever a random template puts them in.
const POTENT: [&str; 9] = [
    "$(touch pwned)",
    "`; touch pwned; `",
    "'; touch pwned; '",
    "\"; touch pwned; \"",
    "'$(touch pwned)'",
    "\\'; touch pwned; '",
    "x\nEOF\nE\nT\n\tT\ntouch pwned\n",
    "a[$(touch pwned)]",
    "'\n# '\ntouch pwned\n",
];

#[test]
fn random_templates_the_checker_accepts_never_run_an_input() {
    let seed = std::env::var("JOBDECK_TEMPLATE_SEED")
        .ok()
        .and_then(|seed| seed.parse().ok())
        .unwrap_or(12);
    let wanted: usize = std::env::var("JOBDECK_TEMPLATES")
        .ok()
        .and_then(|count| count.parse().ok())
        .unwrap_or(120);
    let shells: Vec<&str> = ["dash", "bash"]
        .into_iter()
        .filter(|shell| Command::new(shell).arg("-c").arg("true").status().is_ok())
        .collect();
    let mut rng = fastrand::Rng::with_seed(seed);
    let dir = tempfile::tempdir().unwrap();
    let (mut generated, mut accepted, mut runs) = (0, 0, 0);
    while accepted < wanted {
        generated += 1;
        assert!(generated < 100 * wanted, "too few templates are accepted");
        let length = rng.usize(2..14);
        let script: String = (0..length)
            .map(|_| PIECES[rng.usize(..PIECES.len())])
            .collect();
        if !script.contains("{}") {
            continue;
        }
        let Ok(file) = job_file(dir.path(), &script, &POTENT) else {
            continue;
        };
        accepted += 1;
        for job in &file.jobs {
            for shell in &shells {
                run_shell(shell, &job.summary, dir.path());
                runs += 1;
                assert!(
                    !dir.path().join(MARKER).exists(),
                    "{script:?} (seed {seed}) was accepted, but {shell} ran an input of it: {:?}",
                    job.summary
                );
            }
        }
        clear(dir.path());
    }
    println!(
        "seed {seed}: {generated} random templates, {accepted} accepted, {runs} runs in \
         {shells:?}: nothing ran"
    );
}
