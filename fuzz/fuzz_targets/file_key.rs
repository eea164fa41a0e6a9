#![no_main]
//! `cargo +nightly fuzz run file_key`: see `hot_updater_rs::fuzzing::file_key` for what is checked.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hot_updater_rs::fuzzing::file_key(data));
