//! `cargo xtask test`: everything CI checks, in order, stopping at the first failure. Works on a
//! fresh Debian machine (as root) with Rust, node and npm: it installs the rest.

use std::fs;
use std::path::Path;
use std::process::Stdio;
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::{build, cargo, command, root, run, short, validate, WeightsArg};

const CHROMIUM: &str = "/usr/bin/chromium";
/// Mesa's software Vulkan driver: the GPU kernel tests run on it when no GPU is present.
const LAVAPIPE_ICD: &str = "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json";
/// Expected native results, compared against the browser's by tests/browser.
const GOLDEN: &str = "tests/artifacts/golden.json";
/// `lcnet eval` on the test sets the page measures ("measure it yourself"), for tests/browser.
const MEASURE_GOLDEN: &str = "tests/artifacts/measure-golden.json";
/// Images of the shipped subset the browser test measures (as `eval --limit` picks them).
const MEASURE_LIMIT: &str = "200";

pub fn test(weights: &WeightsArg) -> Result<()> {
    // Fail on missing weights now rather than after the cargo tests.
    let weights = weights.resolve()?;
    let opts = build::Options {
        weights: WeightsArg {
            weights: Some(weights.clone()),
        },
        debug: false,
    };
    let steps: [(&str, &dyn Fn() -> Result<()>); 6] = [
        ("system packages", &system_packages),
        ("validate", &validate::validate),
        ("cargo test", &cargo_test),
        ("web build", &|| build::build(&opts).map(drop)),
        ("golden file", &|| golden(&weights)),
        ("node tests", &node_tests),
    ];
    let started = Instant::now();
    let mut times = Vec::new();
    for (i, (name, step)) in steps.iter().enumerate() {
        println!("\n==> [{}/{}] {name}", i + 1, steps.len());
        let t = Instant::now();
        step().with_context(|| format!("`cargo xtask test` failed at step '{name}'"))?;
        times.push(format!("{name} {:.0?}", t.elapsed()));
    }
    println!(
        "\nall tests passed in {:.0?} ({})",
        started.elapsed(),
        times.join(", ")
    );
    Ok(())
}

/// The Debian packages the tests need, each with a file that shows it is installed: the three
/// browser engines with their drivers (Chromium, Firefox ESR, WebKit's MiniBrowser with
/// `WebKitWebDriver`, which needs a display: Xvfb), lavapipe for the native GPU tests.
const PACKAGES: [(&str, &str); 5] = [
    ("chromium", CHROMIUM),
    ("mesa-vulkan-drivers", LAVAPIPE_ICD),
    ("firefox-esr", "/usr/bin/firefox-esr"),
    ("webkit2gtk-driver", "/usr/bin/WebKitWebDriver"),
    ("xvfb", "/usr/bin/xvfb-run"),
];

fn system_packages() -> Result<()> {
    let missing: Vec<&str> = PACKAGES
        .iter()
        .filter(|(_, file)| !Path::new(file).exists())
        .map(|(package, _)| *package)
        .collect();
    if missing.is_empty() {
        println!("system packages present");
        return Ok(());
    }
    run(command("apt-get").arg("update"))?;
    run(command("apt-get")
        .args(["install", "-y"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

fn cargo_test() -> Result<()> {
    run(cargo()
        .args(["test", "--workspace"])
        .env("VK_ICD_FILENAMES", LAVAPIPE_ICD)
        .env("VK_DRIVER_FILES", LAVAPIPE_ICD)
        .env("XDG_RUNTIME_DIR", "/tmp"))
}

/// Unit and browser tests. One file at a time: the browser tests each start a server and a
/// Chromium, and two at once only slow each other down on a small machine.
fn node_tests() -> Result<()> {
    run(command("node").args(["--test", "--test-concurrency=1", "tests/"]))
}

/// Classifies the gallery with the native CLI; the browser tests expect the same answers.
fn golden(weights: &Path) -> Result<()> {
    let gallery = root().join("www/gallery");
    let mut images: Vec<_> = fs::read_dir(&gallery)
        .with_context(|| format!("reading {}", short(&gallery)))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    images.retain(|p| p.extension().is_some_and(|e| e == "png"));
    images.sort();
    if images.is_empty() {
        bail!("no .png images in {}", short(&gallery));
    }
    // The binary `cargo test` just built (integration tests build the crate's binaries): a
    // `cargo run --release` here was one more full build of every dependency.
    let exe = root().join("target/debug/lcnet");
    if !exe.is_file() {
        bail!(
            "{} is missing: run `cargo test --workspace` first",
            short(&exe)
        );
    }
    let mut cli = command(&exe);
    cli.args(["classify", "--json", "--weights"])
        .arg(weights)
        // Relative paths keep the golden file the same on every machine.
        .args(images.iter().map(|p| p.strip_prefix(root()).unwrap_or(p)));
    println!("$ {}", crate::display(&cli));
    let out = cli
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("could not start {}", short(&exe)))?;
    if !out.status.success() {
        bail!("the lcnet CLI failed ({})", out.status);
    }
    serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .context("the lcnet CLI did not print JSON")?;
    let path = root().join(GOLDEN);
    fs::create_dir_all(path.parent().expect("GOLDEN has a parent"))?;
    fs::write(&path, &out.stdout)?;
    println!("wrote {GOLDEN} ({} images)", images.len());

    // The same binary on what the page's "measure it yourself" runs: the shipped subset (as
    // `--limit` picks) and the committed 200-image fixture (as a visitor's own test set).
    let eval = |data: &str, limit: &str| -> Result<serde_json::Value> {
        let mut cli = command(&exe);
        cli.args(["eval", "--json", "--weights"])
            .arg(weights)
            .args(["--data", data, "--limit", limit]);
        println!("$ {}", crate::display(&cli));
        let out = cli.stderr(Stdio::inherit()).output()?;
        if !out.status.success() {
            bail!("lcnet eval failed ({})", out.status);
        }
        Ok(serde_json::from_slice::<serde_json::Value>(&out.stdout)?["dynamic"].clone())
    };
    let golden = serde_json::json!({
        "subset": eval("www/data/test-subset.bin", MEASURE_LIMIT)?,
        "fixture": eval("crate/tests/fixtures/cifar10-test-200.bin", "0")?,
    });
    fs::write(
        root().join(MEASURE_GOLDEN),
        serde_json::to_string_pretty(&golden)?,
    )?;
    println!("wrote {MEASURE_GOLDEN}");
    Ok(())
}
