//! Job files (TOML) into validated job specs.
