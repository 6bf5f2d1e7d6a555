//! `lcnet eval --backend cpu|reference|gpu` on the committed 200 test images: every executor goes
//! through the same path (the one `Executor` interface, `evaluate_parallel`) and gives the same
//! accuracy and MACs as the reference (candle, dense masked), which the others must equal.

use std::process::Command;

use serde_json::Value;

fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// `lcnet eval --json` of the smoke model on `backend`; `None` when the GPU is skipped.
fn eval(backend: &str) -> Option<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_lcnet"))
        .current_dir(repo_root())
        .args([
            "eval",
            "--weights",
            "weights/smoke/lcnet-resnet8.safetensors",
        ])
        .args(["--data", "crate/tests/fixtures/cifar10-test-200.bin"])
        .args(["--backend", backend, "--batch", "16", "--json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        if backend == "gpu" && std::env::var("LCNET_SKIP_GPU_TESTS").is_ok_and(|v| v == "1") {
            eprintln!("LCNET_SKIP_GPU_TESTS=1: skipping the GPU backend ({stderr})");
            return None;
        }
        panic!("lcnet eval --backend {backend} failed: {stderr}");
    }
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

#[test]
fn every_backend_gives_the_reference_accuracy_and_macs() {
    let reference = eval("reference").unwrap();
    let r = &reference["dynamic"];
    assert_eq!(r["images"], 200);
    assert_eq!(reference["exec"], "dense-masked reference");
    for backend in ["cpu", "gpu"] {
        let Some(other) = eval(backend) else { continue };
        let o = &other["dynamic"];
        for key in [
            "images",
            "accuracy",
            "mean_macs",
            "mean_blocks_run",
            "mean_channels_kept",
        ] {
            assert_eq!(o[key], r[key], "{backend}: {key}");
        }
    }
    // The smoke model skips work: the accounting is not the static network's.
    assert!(r["macs_ratio"].as_f64().unwrap() < 1.0);
}
