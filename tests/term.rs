//! Real programs' coloured output (recorded in `tests/fixtures/term/`, see
//! the README there) read as a terminal shows it: the text without escape
//! sequences and the colours as style runs.
//!
//! Each fixture's lines and runs are compared with `<name>.expected`, which
//! was written by this test (`JOBDECK_BLESS=1 cargo test --test term`) and
//! then checked by hand against `cat -v` of the recording; the tests below
//! also assert by hand what a person sees in each.

use std::fmt::Write as _;
use std::path::PathBuf;

use jobdeck::term::{Color, Line, Style, Terminal};

fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/term")
        .join(name)
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture_path(&format!("{name}.bin"))).expect("the fixture is there")
}

/// The lines a terminal shows for `bytes`, the unfinished last one too.
fn lines(bytes: &[u8]) -> Vec<Line> {
    let mut terminal = Terminal::new();
    let mut out = Vec::new();
    terminal.feed(bytes, |ended| out.push(ended.to_line()));
    terminal.finish(|ended| out.push(ended.to_line()));
    out
}

fn colour(colour: Color) -> String {
    match colour {
        Color::Palette(n) => n.to_string(),
        Color::Rgb(r, g, b) => format!("#{r:02x}{g:02x}{b:02x}"),
    }
}

fn describe(style: Style) -> String {
    let mut words = Vec::new();
    for (on, word) in [
        (style.bold, "bold"),
        (style.dim, "dim"),
        (style.italic, "italic"),
        (style.underline, "underline"),
        (style.inverse, "inverse"),
        (style.strikethrough, "strikethrough"),
    ] {
        if on {
            words.push(word.to_owned());
        }
    }
    if let Some(fg) = style.fg {
        words.push(format!("fg={}", colour(fg)));
    }
    if let Some(bg) = style.bg {
        words.push(format!("bg={}", colour(bg)));
    }
    words.join(" ")
}

/// A fixture's lines as the `.expected` files hold them: each line's text
/// after `|`, then each styled stretch as `  [text] style`.
fn render(lines: &[Line]) -> String {
    let mut out = String::new();
    for line in lines {
        let _ = writeln!(out, "|{}", line.text);
        for run in &line.styles {
            let _ = writeln!(
                out,
                "  [{}] {}",
                &line.text[run.range()],
                describe(run.style)
            );
        }
    }
    out
}

const FIXTURES: [&str; 7] = [
    "ls",
    "grep",
    "git_diff",
    "pytest",
    "tqdm_colour",
    "tqdm_plain",
    "cargo_build",
];

#[test]
fn every_fixture_renders_to_its_expected_lines_and_runs() {
    for name in FIXTURES {
        let rendered = render(&lines(&fixture(name)));
        let expected_path = fixture_path(&format!("{name}.expected"));
        if std::env::var_os("JOBDECK_BLESS").is_some() {
            std::fs::write(&expected_path, &rendered).unwrap();
        }
        let expected = std::fs::read_to_string(&expected_path).expect("the expected file is there");
        assert_eq!(rendered, expected, "{name}");
    }
}

#[test]
fn no_escape_or_control_byte_reaches_the_text() {
    for name in FIXTURES {
        for line in lines(&fixture(name)) {
            assert!(
                !line.text.chars().any(char::is_control),
                "{name}: {:?}",
                line.text
            );
            for run in &line.styles {
                assert!(line.text.is_char_boundary(run.range().start), "{name}");
                assert!(line.text.is_char_boundary(run.range().end), "{name}");
            }
        }
    }
}

/// The styles of the stretches of `line` that are `text`.
fn style_of(line: &Line, text: &str) -> Style {
    let start = line
        .text
        .find(text)
        .unwrap_or_else(|| panic!("{text:?} in {:?}", line.text));
    line.styles
        .iter()
        .find(|run| run.range().contains(&start) && run.range().end >= start + text.len())
        .map_or_else(Style::default, |run| run.style)
}

/// The style of byte `at` of `line`.
fn style_at(line: &Line, at: usize) -> Style {
    line.styles
        .iter()
        .find(|run| run.range().contains(&at))
        .map_or_else(Style::default, |run| run.style)
}

fn fg(n: u8, bold: bool) -> Style {
    Style {
        fg: Some(Color::Palette(n)),
        bold,
        ..Style::default()
    }
}

#[test]
fn ls_colours_directories_links_and_programs() {
    let lines = lines(&fixture("ls"));
    let texts: Vec<&str> = lines.iter().map(|line| line.text.as_str()).collect();
    assert_eq!(texts, ["README.md", "docs/", "link.md@", "run.sh*", "src/"]);
    assert!(lines[0].styles.is_empty());
    assert_eq!(style_of(&lines[1], "docs"), fg(4, true));
    assert_eq!(style_of(&lines[1], "/"), Style::default());
    assert_eq!(style_of(&lines[2], "link.md"), fg(6, true));
    assert_eq!(style_of(&lines[3], "run.sh"), fg(2, true));
}

#[test]
fn grep_marks_matches_line_numbers_and_separators() {
    let lines = lines(&fixture("grep"));
    assert_eq!(lines[0].text, "1:alpha error beta");
    assert_eq!(style_of(&lines[0], "1"), fg(2, false));
    assert_eq!(style_of(&lines[0], ":"), fg(6, false));
    assert_eq!(style_of(&lines[0], "error"), fg(1, true));
    assert_eq!(style_of(&lines[0], " beta"), Style::default());
    assert_eq!(lines[1].text, "3:ERROR again error");
    assert_eq!(style_of(&lines[1], "ERROR"), fg(1, true));
}

#[test]
fn git_diff_colours_removed_and_added_lines() {
    let lines = lines(&fixture("git_diff"));
    let find = |text: &str| lines.iter().find(|line| line.text == text).unwrap();
    assert_eq!(
        style_of(find("diff --git a/f.txt b/f.txt"), "diff"),
        Style {
            bold: true,
            ..Style::default()
        }
    );
    assert_eq!(style_of(find("@@ -1,3 +1,4 @@"), "@@"), fg(6, false));
    assert_eq!(style_of(find("-two"), "-two"), fg(1, false));
    assert_eq!(style_of(find("+2"), "+2"), fg(2, false));
    assert_eq!(find(" one").styles, []);
}

#[test]
fn pytest_colours_its_progress_failures_and_summary() {
    let lines = lines(&fixture("pytest"));
    let find = |prefix: &str| {
        lines
            .iter()
            .find(|line| line.text.starts_with(prefix))
            .unwrap_or_else(|| panic!("a line starting {prefix:?}"))
    };
    let progress = find("test_demo.py .F");
    assert!(progress.text.ends_with("[100%]"), "{:?}", progress.text);
    let dot = progress.text.find(".F").unwrap();
    assert_eq!(style_at(progress, dot), fg(2, false), "the pass");
    assert_eq!(style_at(progress, dot + 1), fg(1, false), "the failure");
    let error = find("E       AssertionError");
    assert_eq!(style_of(error, "AssertionError"), fg(1, true));
    let summary = lines
        .iter()
        .find(|line| line.text.contains("1 failed"))
        .unwrap();
    assert_eq!(style_of(summary, "1 failed"), fg(1, true));
    assert_eq!(style_of(summary, "1 passed"), fg(2, false));
}

#[test]
fn cargo_erases_its_progress_bar_before_a_warning() {
    let lines = lines(&fixture("cargo_build"));
    assert!(lines[0].text.starts_with("   Compiling tiny v0.1.0"));
    assert_eq!(style_of(&lines[0], "Compiling"), fg(10, true));
    // `\r ESC[K` erased the `Building [ ] 0/1` bar: the warning stands
    // alone on its line.
    assert_eq!(lines[1].text, "warning: unused variable: `unused`");
    assert_eq!(style_of(&lines[1], "warning"), fg(3, true));
    assert!(lines.iter().all(|line| !line.text.contains("Building")));
    assert!(lines.last().unwrap().text.starts_with("    Finished"));
}

#[test]
fn a_tqdm_bar_redrawn_twenty_times_is_one_line_coloured_or_not() {
    for name in ["tqdm_colour", "tqdm_plain"] {
        let lines = lines(&fixture(name));
        assert_eq!(lines.len(), 1, "{name}: {lines:?}");
        assert!(lines[0].text.starts_with("steps: 100%|"), "{name}");
        assert!(lines[0].text.contains("| 20/20 ["), "{name}");
    }
    let coloured = lines(&fixture("tqdm_colour"));
    assert_eq!(style_of(&coloured[0], "████"), fg(2, false));
}
