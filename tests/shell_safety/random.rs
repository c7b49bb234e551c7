//! Random templates from pieces of shell syntax: every one the checker
//! accepts is run with hostile inputs in dash and bash, and none may run.

use std::process::Command;

use crate::{MARKER, clear, job_file, run_shell};

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
        for job in &file.plan.jobs {
            for shell in &shells {
                run_shell(shell, &job.spec.summary(), dir.path());
                runs += 1;
                assert!(
                    !dir.path().join(MARKER).exists(),
                    "{script:?} (seed {seed}) was accepted, but {shell} ran an input of it: {:?}",
                    job.spec.summary()
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
