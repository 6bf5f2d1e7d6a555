//! `cargo xtask validate`: formatting and clippy, native and wasm32 (the page's module plain and
//! with relaxed SIMD, and the reference module), warnings denied.

use anyhow::Result;

use crate::build::{ensure_wasm_target, RELAXED, SIMD, WASM_TARGET};
use crate::{cargo, run};

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
    // The wasm modules as the web build makes them: every crate with simd128, so the three
    // checks share their dependencies; the relaxed-SIMD module's own code (`direct::madd`) is
    // checked with relaxed SIMD enabled for the `lcnet` crate alone.
    let wasm = |package: &str, features: &str, extra: &[&str]| {
        run(cargo()
            .args(["clippy", "-p", package, "--lib", "--target", WASM_TARGET])
            .args(["--no-default-features", "--features", features, "--"])
            .args(extra)
            .args(["-D", "warnings"])
            .env("RUSTFLAGS", SIMD))
    };
    wasm("lcnet", "web", &[])?;
    wasm("lcnet", "web", &["-C", RELAXED])?;
    wasm("lcnet-reference", "", &[])
}
