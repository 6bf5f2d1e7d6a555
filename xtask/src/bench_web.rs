//! `cargo xtask bench-web`: builds the site, then runs the in-browser benchmark script.

use anyhow::{bail, Result};

use crate::{build, command, root, run, WeightsArg};

const SCRIPT: &str = "tests/bench/bench-web.mjs";

pub fn bench_web(weights: &WeightsArg, args: &[String]) -> Result<()> {
    if !root().join(SCRIPT).is_file() {
        bail!("{SCRIPT} does not exist: the browser benchmark has not been written yet");
    }
    build::build(&build::Options {
        weights: weights.clone(),
        debug: false,
    })?;
    run(command("node").arg(SCRIPT).args(args))
}
