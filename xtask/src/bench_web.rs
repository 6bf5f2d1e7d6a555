//! `cargo xtask bench-web`: builds the site, then runs an in-browser benchmark script: Chromium's
//! detailed one, or with `--engines` the three engines side by side.

use anyhow::{bail, Result};

use crate::{build, command, root, run, WeightsArg};

pub fn bench_web(weights: &WeightsArg, engines: bool, args: &[String]) -> Result<()> {
    const SCRIPT: &str = "tests/bench/bench-web.mjs";
    const ENGINES: &str = "tests/bench/engines.mjs";
    let script = if engines { ENGINES } else { SCRIPT };
    if !root().join(script).is_file() {
        bail!("{script} does not exist: the browser benchmark has not been written yet");
    }
    build::build(&build::Options {
        weights: weights.clone(),
        debug: false,
    })?;
    run(command("node").arg(script).args(args))
}
