//! GNU-parallel placeholders: `{}` the input, `{/}` its base name, `{.}`
//! without extension, `{/.}` base name without extension, `{//}` its
//! directory, `{#}` the job's 1-based number in its batch.
//!
//! Only these exact tokens are replaced; any other braces (`${HOME}`, awk's
//! `{print}`) are left alone.

/// Every placeholder, longest first so `{//}` is not read as `{/}`.
const TOKENS: [&str; 6] = ["{//}", "{/.}", "{/}", "{.}", "{}", "{#}"];

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
    scan(text)
        .find(|(_, token)| *token != "{#}")
        .map(|(_, token)| token)
}

/// Whether `text` holds any placeholder at all.
pub(crate) fn has_placeholder(text: &str) -> bool {
    scan(text).next().is_some()
}

/// `text` with its placeholders replaced for `slot`. With `quote`, values
/// taken from the input are quoted for `sh` (file names with spaces stay one
/// word in a shell command).
pub(crate) fn expand(text: &str, slot: Slot<'_>, quote: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    for (at, token) in scan(text) {
        out.push_str(&text[rest..at]);
        rest = at + token.len();
        if token == "{#}" {
            out.push_str(&slot.number.to_string());
            continue;
        }
        let value = derive(token, slot.input.unwrap_or(""));
        if quote {
            out.push_str(
                &shlex::try_quote(&value)
                    .map_or_else(|_| value.clone(), std::borrow::Cow::into_owned),
            );
        } else {
            out.push_str(&value);
        }
    }
    out.push_str(&text[rest..]);
    out
}

/// Positions and tokens of the placeholders in `text`, left to right.
fn scan(text: &str) -> impl Iterator<Item = (usize, &'static str)> + '_ {
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

fn derive(token: &str, input: &str) -> String {
    let trimmed = input.trim_end_matches('/');
    let (dir, base) = match trimmed.rfind('/') {
        Some(0) => ("/", &trimmed[1..]),
        Some(slash) => (&trimmed[..slash], &trimmed[slash + 1..]),
        None => (".", trimmed),
    };
    let without_ext = |name: &str| -> usize {
        // A leading dot is a hidden file, not an extension.
        match name.rfind('.') {
            Some(dot) if dot > 0 => dot,
            _ => name.len(),
        }
    };
    match token {
        "{}" => input.to_owned(),
        "{/}" => base.to_owned(),
        "{//}" => dir.to_owned(),
        "{.}" => {
            let cut = trimmed.len() - base.len() + without_ext(base);
            trimmed[..cut].to_owned()
        }
        "{/.}" => base[..without_ext(base)].to_owned(),
        _ => unreachable!("scan only yields known tokens"),
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
        assert_eq!(with("dir/.hidden", "{/.}"), ".hidden");
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
    fn shell_quoting_keeps_inputs_one_word() {
        let slot = Slot {
            number: 1,
            input: Some("my file.txt"),
        };
        assert_eq!(expand("wc -l {}", slot, true), "wc -l 'my file.txt'");
        assert_eq!(expand("wc -l {}", slot, false), "wc -l my file.txt");
    }
}
