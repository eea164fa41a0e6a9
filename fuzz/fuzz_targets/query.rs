#![no_main]
//! `cargo +nightly fuzz run query`: see `hot_updater_rs::fuzzing::query` for what is checked.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hot_updater_rs::fuzzing::query(data));
