//! `cargo xtask validate`: formatting and clippy, native and wasm32 (the page's module plain and
//! with relaxed SIMD, and the reference module), warnings denied.

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
    for package in [["lcnet", "web"], ["lcnet-reference", ""]] {
        run(cargo()
            .args(["clippy", "-p", package[0], "--lib", "--target"])
            .args(["wasm32-unknown-unknown", "--no-default-features"])
            .args(["--features", package[1], "--", "-D", "warnings"]))?;
    }
    // The relaxed-SIMD module of the web build has code of its own (`direct::madd`).
    run(cargo()
        .args(["clippy", "-p", "lcnet", "--lib", "--target"])
        .args([
            "wasm32-unknown-unknown",
            "--target-dir",
            "target/wasm-relaxed",
        ])
        .args(["--no-default-features", "--features", "web"])
        .args(["--", "-D", "warnings"])
        .env("RUSTFLAGS", "-C target-feature=+simd128,+relaxed-simd"))
}
