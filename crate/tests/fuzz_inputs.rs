//! Replays the fuzz targets' inputs (`fuzz/`): the committed seed corpus and every crash the
//! fuzzer found (`fuzz/regressions/<target>/`, kept as regression inputs). Each must give a
//! result or an error, never a panic; `lcnet::fuzz` holds the targets' bodies.

mod common;

use std::path::Path;

use common::repo_root;

/// Every file of `fuzz/corpus/<target>` and `fuzz/regressions/<target>`.
fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for dir in ["corpus", "regressions"] {
        let dir = repo_root().join("fuzz").join(dir).join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_file() && !name(&p).starts_with('.') {
                out.push((p.display().to_string(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

fn name(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

fn replay(target: &str, run: fn(&[u8])) {
    let inputs = inputs(target);
    assert!(inputs.len() >= 2, "the seed corpus of {target} is missing");
    for (path, bytes) in inputs {
        if std::panic::catch_unwind(|| run(&bytes)).is_err() {
            panic!("fuzz input {path} panicked");
        }
    }
}

#[test]
fn image_inputs_of_the_fuzzer_never_panic() {
    replay("prepare", lcnet::fuzz::prepare);
}

#[test]
fn weight_inputs_of_the_fuzzer_never_panic() {
    replay("weights", lcnet::fuzz::weights);
}

/// The weights seeds are real models, so the fuzzer starts from inputs that load and run.
#[test]
fn weight_seeds_load() {
    for (path, bytes) in inputs("weights")
        .iter()
        .filter(|(p, _)| p.contains("corpus"))
    {
        let i = bytes.iter().position(|&b| b == 0).unwrap();
        let card = String::from_utf8_lossy(&bytes[..i]);
        let loaded = lcnet::LcNet::from_card_and_bytes(&card, &bytes[i + 1..]);
        assert!(loaded.is_ok(), "{path}: {:?}", loaded.err());
    }
}
