//! Placeholders give GNU parallel's answers: hundreds of tricky inputs go
//! through a job file and the engine, and through `parallel` itself, and
//! every placeholder of every input must come out the same.
//!
//! jobdeck's values are taken three ways, all through `jobfile::parse`: a job's
//! expanded `name`, an argv command (`sh -c 'printf ... "$@"' sh {} ...`,
//! which sees the values as its arguments) and a `shell = true` command (so
//! the quoting is checked too: `sh` must hand `printf` each value intact).
//! `parallel` runs once for all inputs (`-0`, NUL-separated) and prints every
//! value NUL-terminated, so nothing in an input can blur the boundaries.
//!
//! The one expected difference is documented in `src/spec/expand.rs`: for an
//! input with a newline before its last `/`, parallel's `{/}` and `{/.}`
//! keep part of the directory; jobdeck's do not.
//!
//! Without `parallel` the test fails, saying how to install it (CI's
//! `.ci/run` does).

mod common;

use std::collections::HashMap;
use std::io::Write;
use std::process::{Command, Stdio};

use common::PATIENCE;
use jobdeck::engine::{EventKind, Outcome, Pool};
use jobdeck::jobfile;
use jobdeck::jobspec::BuildContext;

/// The placeholders compared, in the order every run prints them.
const TOKENS: [&str; 6] = ["{#}", "{}", "{.}", "{/}", "{//}", "{/.}"];

/// The tokens joined for a job's `name` (no input below holds this byte).
const NAME_SEPARATOR: char = '\u{1f}';

#[test]
fn every_placeholder_gives_gnu_parallels_answer() {
    let inputs = tricky_inputs();
    assert!(inputs.len() >= 300, "only {} inputs", inputs.len());
    let (version, theirs) = parallel_values(&inputs);
    let ours = jobdeck_values(&inputs);

    let mut compared = 0;
    let mut documented = 0;
    let mut mismatches = Vec::new();
    for (number, input) in inputs.iter().enumerate() {
        for (way, values) in &ours {
            for (slot, token) in TOKENS.iter().enumerate() {
                compared += 1;
                let (jobdeck, parallel) = (&values[number][slot], &theirs[number][slot]);
                if jobdeck == parallel {
                    continue;
                }
                if newline_hides_a_slash(input, token) && *jobdeck == own_base_name(input, token) {
                    documented += 1;
                } else {
                    mismatches.push(format!(
                        "{token} of {input:?} ({way}): jobdeck {jobdeck:?}, parallel {parallel:?}"
                    ));
                }
            }
        }
    }
    println!(
        "{version}: {} inputs, {compared} substitutions compared ({} ways x {} placeholders), \
         {} mismatches, {documented} documented differences (a newline before the last `/`)",
        inputs.len(),
        ours.len(),
        TOKENS.len(),
        mismatches.len(),
    );
    assert!(
        mismatches.is_empty(),
        "{} of {compared} substitutions differ from {version}:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    assert!(documented > 0, "the documented case was not exercised");
}

/// The inputs where jobdeck's `token` may differ from parallel's, on purpose.
fn newline_hides_a_slash(input: &str, token: &str) -> bool {
    matches!(token, "{/}" | "{/.}")
        && input
            .rfind('/')
            .is_some_and(|slash| input[..slash].contains('\n'))
}

/// jobdeck's `{/}` or `{/.}` of `input` where it differs from parallel's on
/// purpose: what follows the last `/`, as for any other input.
fn own_base_name<'a>(input: &'a str, token: &str) -> &'a str {
    let base = input.rsplit('/').next().unwrap_or_default();
    if token == "{/}" {
        base
    } else {
        base.rfind('.').map_or(base, |dot| &base[..dot])
    }
}

/// Directories every base name is put in.
const DIRS: [&str; 16] = [
    "",
    "a/",
    "/",
    "//",
    "a//",
    "./",
    "../",
    "/abs/dir/",
    ".hidden/",
    "dir.d/",
    "a b/",
    "a.b.c/",
    "ü/ñ/",
    "x/./y/",
    "$HOME/",
    "q'uote/",
];

/// Base names that have tripped path code.
const BASES: [&str; 26] = [
    "file",
    "file.txt",
    "archive.tar.gz",
    ".bashrc",
    ".config.d",
    ".",
    "..",
    "...",
    "a.",
    "a..b",
    "",
    "naïve.résumé",
    "日本語.テキスト",
    "it's.txt",
    "say \"hi\".md",
    "$HOME.sh",
    "$(touch pwned).x",
    "`id`.y",
    "back\\slash.z",
    "semi;colon.c",
    "star*?.c",
    "tab\there.t",
    "sp ace.d ot",
    "🦀.rs",
    "-n",
    "--.x",
];

/// Every directory with every base name, then odd endings and whole odd
/// inputs.
fn tricky_inputs() -> Vec<String> {
    let mut inputs = Vec::new();
    for dir in DIRS {
        for base in BASES {
            inputs.push(format!("{dir}{base}"));
        }
    }
    for ending in ["/", "//", "/.", "/..", "///x.y", "/.z/"] {
        for start in ["x.d", "/x.d", "a.b/c", ".", ".x", "a//b.c"] {
            inputs.push(format!("{start}{ending}"));
        }
    }
    let long_dirs = (0..400).fold(String::new(), |mut dirs, i| {
        dirs.push_str("seg");
        dirs.push_str(&i.to_string());
        dirs.push_str(".d/");
        dirs
    });
    inputs.extend([
        format!("{}.txt", "L".repeat(250)),
        format!("{long_dirs}end.tar.gz"),
        long_dirs.clone(),
        ".".repeat(300),
        "/".repeat(300),
        format!("{}x", "a.".repeat(200)),
        "  leading and trailing spaces  ".to_owned(),
        "'".to_owned(),
        "\"".to_owned(),
        "\\".to_owned(),
        "$".to_owned(),
        "{}".to_owned(),
        "{/}.{.}".to_owned(),
        "'$(touch pwned)'".to_owned(),
        "\"; touch pwned; \"".to_owned(),
        "\u{a0}nbsp.x".to_owned(),
        "e\u{301}.combining".to_owned(),
        "\r\n.crlf".to_owned(),
        "tab\t/\t.t".to_owned(),
    ]);
    // Newlines: after the last `/` (no difference expected), and before it
    // (the documented difference for `{/}` and `{/.}`).
    inputs.extend(
        [
            "a\nb",
            "a.b\n",
            "a\n.b",
            "\n",
            "dir/a\nb.c",
            "dir/a.b\n",
            "a\nb/c.d",
            "x\n/y",
            "/\n/",
            "\nx/y.z/",
            "one\ntwo\nthree/f.txt",
            "a/b\nc/d.e",
        ]
        .map(str::to_owned),
    );
    inputs
}

/// What `parallel` substitutes for each input, in `TOKENS` order, and its
/// version line.
fn parallel_values(inputs: &[String]) -> (String, Vec<Vec<String>>) {
    let version = match Command::new("parallel").arg("--version").output() {
        Ok(output) => String::from_utf8_lossy(&output.stdout)
            .lines()
            .next()
            .unwrap_or("GNU parallel (unknown version)")
            .to_owned(),
        Err(error) => panic!(
            "this test compares jobdeck's placeholders with GNU parallel's, but `parallel` \
             cannot run ({error}). Install it: `sudo apt-get install parallel` on Debian and \
             Ubuntu, `brew install parallel` on macOS (CI's .ci/run installs it)"
        ),
    };
    let mut child = Command::new("parallel")
        // `-q` quotes the command, so `printf` gets each value as one argument;
        // `-k` keeps input order; NUL ends every value on the way in and out.
        .args([
            "--will-cite",
            "-0",
            "-k",
            "-j",
            "4",
            "-q",
            "printf",
            "%s\\0",
        ])
        .args(TOKENS)
        .env("PARALLEL_SHELL", "/bin/sh")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("parallel starts");
    let mut stdin = child.stdin.take().expect("piped");
    let feed: Vec<u8> = inputs
        .iter()
        .flat_map(|input| input.bytes().chain([0]))
        .collect();
    let writer = std::thread::Builder::new()
        .name("parallel-stdin".into())
        .spawn(move || stdin.write_all(&feed))
        .expect("thread starts");
    let output = child.wait_with_output().expect("parallel runs");
    writer.join().expect("writer ends").expect("parallel reads");
    assert!(
        output.status.success() && output.stderr.is_empty(),
        "parallel failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let values = nul_separated(&output.stdout, inputs.len());
    (version, values)
}

/// jobdeck's values for each input, in `TOKENS` order, by the way they were
/// taken.
fn jobdeck_values(inputs: &[String]) -> Vec<(&'static str, Vec<Vec<String>>)> {
    let dir = tempfile::tempdir().unwrap();
    let list: Vec<String> = inputs
        .iter()
        .map(|input| toml::Value::String(input.clone()).to_string())
        .collect();
    let list = list.join(",\n  ");
    let name = toml::Value::String(TOKENS.join(&NAME_SEPARATOR.to_string()));
    let text = format!(
        r#"max_threads = 2

[[job]]
name = {name}
command = ["sh", "-c", "printf '%s\\0' \"$@\" > argv.$1", "sh", {tokens}]
inputs = [
  {list}
]

[[job]]
name = "shell {{#}}"
command = "printf '%s\\0' {spaced} > shell.{{#}}"
shell = true
inputs = [
  {list}
]
"#,
        tokens = TOKENS.map(|token| format!("\"{token}\"")).join(", "),
        spaced = TOKENS.join(" "),
    );
    let file = jobfile::parse(&text, &dir.path().join("jobs.toml")).expect("the job file is valid");
    assert_eq!(file.plan.jobs.len(), 2 * inputs.len());
    let by_name: Vec<Vec<String>> = file.plan.jobs[..inputs.len()]
        .iter()
        .map(|job| {
            job.spec
                .name
                .split(NAME_SEPARATOR)
                .map(str::to_owned)
                .collect()
        })
        .collect();
    run_all(file.plan.build(&BuildContext::default()));
    let read = |prefix: &str| -> Vec<Vec<String>> {
        (1..=inputs.len())
            .map(|number| {
                let path = dir.path().join(format!("{prefix}.{number}"));
                let bytes = std::fs::read(&path)
                    .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
                nul_separated(&bytes, 1).remove(0)
            })
            .collect()
    };
    vec![
        ("name", by_name),
        ("argv", read("argv")),
        ("shell = true", read("shell")),
    ]
}

/// Runs `jobs` to their end; every one must succeed.
fn run_all(jobs: Vec<jobdeck::engine::NewJob>) {
    let count = jobs.len();
    let (pool, mut events) = Pool::new(2).unwrap();
    pool.submit_all(jobs).unwrap();
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

/// `bytes` cut at each NUL into `records` records of `TOKENS.len()` values.
fn nul_separated(bytes: &[u8], records: usize) -> Vec<Vec<String>> {
    let values: Vec<String> = bytes
        .strip_suffix(&[0])
        .unwrap_or(bytes)
        .split(|&byte| byte == 0)
        .map(|value| String::from_utf8(value.to_vec()).expect("UTF-8 in, UTF-8 out"))
        .collect();
    assert_eq!(
        values.len(),
        records * TOKENS.len(),
        "expected {records} records of {} values",
        TOKENS.len()
    );
    values
        .chunks(TOKENS.len())
        .map(<[String]>::to_vec)
        .collect()
}
