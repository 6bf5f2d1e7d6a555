//! `cargo xtask validate`: formatting and clippy, native (the reference module's bindings
//! included) and wasm32 (the page's module plain and with relaxed SIMD), warnings denied.

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
    // The page's wasm module as the web build makes it: every crate with simd128, so the two
    // checks share their dependencies; the relaxed-SIMD module's own code (`direct::madd`) is
    // checked with relaxed SIMD enabled for the `lcnet` crate alone. The reference module's
    // bindings compile natively too, so the native pass above lints them (its wasm32 check
    // took 3.3 min of a cold CI run for candle's dependencies).
    let wasm = |package: &str, features: &str, extra: &[&str]| {
        run(cargo()
            .args(["clippy", "-p", package, "--lib", "--target", WASM_TARGET])
            .args(["--no-default-features", "--features", features, "--"])
            .args(extra)
            .args(["-D", "warnings"])
            .env("RUSTFLAGS", SIMD))
    };
    wasm("lcnet", "web", &[])?;
    wasm("lcnet", "web", &["-C", RELAXED])
}
