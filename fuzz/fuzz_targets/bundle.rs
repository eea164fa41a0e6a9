#![no_main]
//! `cargo +nightly fuzz run bundle`: see `hot_updater_rs::fuzzing::bundle` for what is checked.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hot_updater_rs::fuzzing::bundle(data));
