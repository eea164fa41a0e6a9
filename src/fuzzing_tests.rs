//! Replays the committed fuzz corpus (`fuzz/corpus/<target>/`, the seeds) and every past finding
//! (`fuzz/regressions/<target>/`) through the same checks the fuzzer runs.

use super::TARGETS;
use std::path::Path;

fn replay(folder: &Path, check: fn(&[u8])) -> usize {
    let Ok(entries) = std::fs::read_dir(folder) else { return 0 };
    let mut count = 0;
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_file() {
            let data = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| check(&data));
            assert!(outcome.is_ok(), "fuzz input {} fails its check", path.display());
            count += 1;
        }
    }
    count
}

#[test]
fn committed_corpus_passes_every_check() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    for (name, check) in TARGETS {
        let seeds = replay(&root.join("corpus").join(name), check);
        assert!(seeds >= 3, "fuzz/corpus/{name} holds only {seeds} seeds");
        replay(&root.join("regressions").join(name), check);
    }
}

#[test]
fn checks_hold_for_edge_inputs() {
    let inputs: [&[u8]; 10] = [b"", b"\0", b"%", b"%zz", b"%C0%80", b"/", b"//", b"\xff\xfe", b"0.0.0\n\n", b"[{}]"];
    for (_, check) in TARGETS {
        for input in inputs {
            check(input);
        }
    }
}
