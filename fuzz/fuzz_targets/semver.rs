#![no_main]
//! `cargo +nightly fuzz run semver`: see `hot_updater_rs::fuzzing::semver` for what is checked.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hot_updater_rs::fuzzing::semver(data));
