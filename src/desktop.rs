//! Installs jobdeck into the desktop launcher.
