//! jobdeck's binary: opens the window.

fn main() -> anyhow::Result<()> {
    jobdeck::ui::run(None)
}
