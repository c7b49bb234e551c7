use super::*;

/// Every line `chunks` end in, then the last one ended by `finish`.
fn lines(chunks: &[&[u8]]) -> Vec<Line> {
    let mut terminal = Terminal::new();
    let mut out = Vec::new();
    for chunk in chunks {
        terminal.feed(chunk, |ended| out.push(ended.to_line()));
    }
    terminal.finish(|ended| out.push(ended.to_line()));
    out
}

fn texts(bytes: &[u8]) -> Vec<String> {
    lines(&[bytes]).into_iter().map(|line| line.text).collect()
}

fn fg(n: u8) -> Style {
    Style {
        fg: Some(Color::Palette(n)),
        ..Style::default()
    }
}

fn run(start: u32, end: u32, style: Style) -> StyleRun {
    StyleRun { start, end, style }
}

#[test]
fn newlines_end_lines_and_a_last_line_ends_with_the_stream() {
    assert_eq!(texts(b"one\n\ntwo\r\nthree"), ["one", "", "two", "three"]);
    assert_eq!(texts(b""), Vec::<String>::new());
}

#[test]
fn colours_leave_the_text_and_become_runs() {
    let out = lines(&[b"\x1b[31mred\x1b[0m ok\n"]);
    assert_eq!(out[0].text, "red ok");
    assert_eq!(out[0].styles, [run(0, 3, fg(1))]);
}

#[test]
fn every_kind_of_colour_and_attribute() {
    let line = |bytes: &[u8]| lines(&[bytes]).remove(0);
    let style = |bytes: &[u8]| line(bytes).styles[0].style;
    assert_eq!(style(b"\x1b[94mx"), fg(12));
    assert_eq!(style(b"\x1b[38;5;208mx"), fg(208));
    assert_eq!(style(b"\x1b[38:5:208mx"), fg(208));
    let rgb = Style {
        fg: Some(Color::Rgb(10, 20, 30)),
        ..Style::default()
    };
    assert_eq!(style(b"\x1b[38;2;10;20;30mx"), rgb);
    assert_eq!(style(b"\x1b[38:2::10:20:30mx"), rgb);
    assert_eq!(style(b"\x1b[38:2:10:20:30mx"), rgb);
    let on_blue = style(b"\x1b[1;3;4;7;9;44mx");
    assert!(on_blue.bold && on_blue.italic && on_blue.underline);
    assert!(on_blue.inverse && on_blue.strikethrough);
    assert_eq!(on_blue.bg, Some(Color::Palette(4)));
    assert_eq!(style(b"\x1b[48;5;17;2mx").bg, Some(Color::Palette(17)));
    assert!(
        style(b"\x1b[48;5;17;2mx").dim,
        "codes after a colour still count"
    );
    // Offs: 22 (bold), 39 (colour), 4:0 (underline); 0 and an empty SGR reset.
    assert!(line(b"\x1b[1;31m\x1b[22;39mx").styles.is_empty());
    assert!(line(b"\x1b[4m\x1b[4:0mx").styles.is_empty());
    assert!(line(b"\x1b[1;31mred\x1b[mx").styles.len() == 1);
}

#[test]
fn style_carries_over_lines_until_reset() {
    let out = lines(&[b"\x1b[32mgreen\nstill\x1b[0m\nplain\n"]);
    assert_eq!(out[1].styles, [run(0, 5, fg(2))]);
    assert!(out[2].styles.is_empty());
}

#[test]
fn carriage_return_redraws_in_place() {
    assert_eq!(texts(b" 10%\r 50%\r100%\n"), ["100%"]);
    // What is not overwritten stays, as on a terminal.
    assert_eq!(texts(b"abcdef\rXY\n"), ["XYcdef"]);
    assert_eq!(texts(b"ab\x08c\n"), ["ac"]);
    assert_eq!(texts(b"a\x08\x08\x08b\n"), ["b"]);
}

#[test]
fn erasing_and_cursor_moves_act_on_the_line() {
    assert_eq!(texts(b"hello world\r\x1b[Kbye\n"), ["bye"]);
    assert_eq!(texts(b"hello\x1b[2K\rbye\n"), ["bye"]);
    assert_eq!(texts(b"hello\x1b[3D\x1b[1K!\n"), ["  !lo"]);
    assert_eq!(texts(b"\x1b[5Gx\n"), ["    x"]);
    assert_eq!(texts(b"a\x1b[3Cb\n"), ["a   b"]);
    assert_eq!(texts(b"abcdef\x1b[4D\x1b[2P\n"), ["abef"]);
    assert_eq!(texts(b"abcdef\x1b[4D\x1b[2X\n"), ["ab  ef"]);
    assert_eq!(texts(b"abef\x1b[2D\x1b[2@cd\n"), ["abcdef"]);
    assert_eq!(texts(b"a\tb\n"), ["a       b"]);
}

#[test]
fn other_sequences_never_show() {
    // Titles, hyperlinks, cursor hide/show, vertical moves, screen erase,
    // charset choice, a DCS string, a bell.
    let noisy = b"\x1b]0;my title\x07\x1b[?25l\x1b[1A\x1b[2J\x1b(B\x1bP1$r0m\x1b\\\x07\
                  \x1b]8;;https://example.com\x1b\\link\x1b]8;;\x1b\\ done\x1b[?25h\n";
    let out = lines(&[noisy]);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].text, "link done");
    assert!(out[0].styles.is_empty());
}

#[test]
fn characters_split_across_reads_stay_whole_and_bad_bytes_become_replacements() {
    let e_acute = "é".as_bytes();
    let out = lines(&[b"caf", &e_acute[..1], &e_acute[1..], b"\n"]);
    assert_eq!(out[0].text, "café");
    assert_eq!(texts(b"a\xffb\n"), ["a\u{fffd}b"]);
    assert_eq!(texts(b"a\x85b\n"), ["a\u{fffd}b"]);
    let crab = "🦀".as_bytes();
    let out = lines(&[&crab[..2], &crab[2..]]);
    assert_eq!(out[0].text, "🦀");
}

#[test]
fn an_endless_line_is_cut_at_the_cap_and_goes_on() {
    let long = vec![b'x'; MAX_LINE_CHARS + 10];
    let out = lines(&[&long, b"\nnext\n"]);
    assert_eq!(out.len(), 3);
    assert_eq!(out[0].text.len(), MAX_LINE_CHARS);
    assert!(out[0].cut);
    assert_eq!(out[1].text, "x".repeat(10));
    assert!(!out[1].cut && !out[2].cut);
    // A bar redrawn forever is not a long line.
    let redraws = b"\r 50%".repeat(MAX_LINE_CHARS);
    assert_eq!(texts(&redraws), [" 50%"]);
}

#[test]
fn a_cursor_sent_far_right_cannot_grow_a_line_past_the_cap() {
    let out = lines(&[b"\x1b[99999Gxyz\n"]);
    assert!(
        out.iter()
            .all(|line| line.text.chars().count() <= MAX_LINE_CHARS)
    );
    assert_eq!(out.len(), 2);
    assert!(
        out[0].cut && out[0].text.ends_with(" xy"),
        "{}",
        out[0].text.len()
    );
    assert_eq!(out[1].text, "z");
}

#[test]
fn redraws_show_the_line_under_the_cursor_when_it_changed() {
    let mut terminal = Terminal::new();
    let mut ended = Vec::new();
    terminal.feed(b"\r 10%", |line| ended.push(line.to_line().text));
    assert_eq!(
        terminal.take_redraw().map(|line| line.text),
        Some(" 10%".into())
    );
    assert_eq!(terminal.take_redraw(), None, "nothing changed since");
    terminal.feed(b"\r", |line| ended.push(line.to_line().text));
    assert_eq!(
        terminal.take_redraw(),
        None,
        "a cursor move changes nothing"
    );
    terminal.feed(b"\x1b[K", |line| ended.push(line.to_line().text));
    assert_eq!(
        terminal.take_redraw().map(|line| line.text),
        Some(String::new()),
        "an erased line is gone"
    );
    terminal.feed(b"100%\n", |line| ended.push(line.to_line().text));
    assert_eq!(
        terminal.take_redraw(),
        None,
        "the ended line was handed out"
    );
    assert_eq!(ended, ["100%"]);
}

#[test]
fn ansi_writes_the_runs_back() {
    let out = lines(&[b"\x1b[1;31mred\x1b[0m \x1b[38;5;208mor\x1b[48;2;1;2;3mange\x1b[0m\n"]);
    let again = to_ansi(&out[0].text, &out[0].styles);
    assert_eq!(lines(&[again.as_bytes()]), out);
    assert_eq!(to_ansi("plain", &[]), "plain");
}

#[test]
fn a_paused_terminal_carries_on_as_if_never_paused() {
    let input: &[u8] = b"\x1b[1;32mgreen\nhalf a li\x1b[0mne\rH\n\x1b]0;t\x07\x1b[31mred\n";
    let whole = lines(&[input]);
    // Pause wherever the parser is at rest, resume, and feed the rest.
    let mut rests = 0;
    for split in 0..=input.len() {
        let mut terminal = Terminal::new();
        let mut out = Vec::new();
        terminal.feed(&input[..split], |ended| out.push(ended.to_line()));
        let Some(paused) = terminal.pause() else {
            continue;
        };
        rests += 1;
        let mut resumed = Terminal::resume(&paused);
        resumed.feed(&input[split..], |ended| out.push(ended.to_line()));
        resumed.finish(|ended| out.push(ended.to_line()));
        assert_eq!(out, whole, "paused after {split} bytes");
    }
    assert!(rests > input.len() / 2, "at rest at only {rests} places");
    // Inside an escape sequence it is not at rest.
    let mut terminal = Terminal::new();
    terminal.feed(b"\x1b[3", |_| {});
    assert!(terminal.pause().is_none());
    terminal.feed(b"1m\n", |_| {});
    assert!(terminal.pause().is_some());
}
