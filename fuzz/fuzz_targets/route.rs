#![no_main]
//! `cargo +nightly fuzz run route`: see `hot_updater_rs::fuzzing::route` for what is checked.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hot_updater_rs::fuzzing::route(data));
