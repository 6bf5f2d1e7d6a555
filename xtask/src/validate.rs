//! `cargo xtask validate`: formatting and clippy, native and wasm32 (plain and relaxed SIMD),
//! warnings denied.

use anyhow::Result;

use crate::{build::ensure_wasm_target, cargo, run};

pub fn validate() -> Result<()> {
    ensure_wasm_target()?;
    run(cargo().args(["fmt", "--all", "--check"]))?;
    run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    run(cargo()
        .args([
            "clippy",
            "-p",
            "lcnet",
            "--lib",
            "--target",
            "wasm32-unknown-unknown",
        ])
        .args(["--no-default-features", "--", "-D", "warnings"]))?;
    // The relaxed-SIMD module of the web build has code of its own (`direct::madd`).
    run(cargo()
        .args(["clippy", "-p", "lcnet", "--lib", "--target"])
        .args([
            "wasm32-unknown-unknown",
            "--target-dir",
            "target/wasm-relaxed",
        ])
        .args(["--no-default-features", "--", "-D", "warnings"])
        .env("RUSTFLAGS", "-C target-feature=+simd128,+relaxed-simd"))
}
