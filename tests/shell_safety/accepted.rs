//! Templates the checker accepts: each hostile input arrives intact, and
//! none runs.

use std::path::Path;
use std::process::Command;

use crate::{HOSTILE, MARKER, clear, job_file, run_all, run_shell};

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

#[test]
fn accepted_templates_hand_hostile_inputs_over_intact() {
    let mut runs = 0;
    for template in &ACCEPTED {
        let dir = tempfile::tempdir().unwrap();
        let file = job_file(dir.path(), template.script, &HOSTILE)
            .unwrap_or_else(|error| panic!("{:?} was refused: {error}", template.script));
        let scripts: Vec<String> = file
            .plan
            .jobs
            .iter()
            .map(|job| job.spec.summary())
            .collect();
        // Through the engine: the job runs `sh -c SCRIPT` in the file's
        // directory.
        run_all(&file);
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
