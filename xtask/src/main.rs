//! `cargo xtask`: the project's build, serve, validate, test and benchmark commands, so the
//! README commands stay short and CI runs exactly what developers run.

mod bench_web;
mod build;
mod serve;
mod test;
mod validate;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{bail, Context, Result};
use clap::{Args, Parser};

/// Weights shipped to the browser unless `--weights` says otherwise, in order of preference: the
/// demo model, then the smoke model that stands in while the demo model trains. The model card is
/// the same path with a `.json` extension.
const DEFAULT_WEIGHTS: [&str; 2] = [
    "weights/lcnet-resnet56.safetensors",
    "weights/smoke/lcnet-resnet8.safetensors",
];

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "Build, serve, validate and test lcnet"
)]
enum Cli {
    /// Build the web app into www/ (wasm, JS bindings, weights, gallery).
    Build(build::Options),
    /// Build, then serve www/ on http://127.0.0.1:PORT.
    Serve {
        #[arg(long, default_value_t = 8080)]
        port: u16,
        #[command(flatten)]
        build: build::Options,
    },
    /// rustfmt check and clippy (native and wasm32) with warnings denied.
    Validate,
    /// Everything CI runs: system packages, validate, cargo tests, web build, golden file,
    /// node tests.
    Test {
        #[command(flatten)]
        weights: WeightsArg,
    },
    /// Measure the shipped model on the test set with the native CLI and write what the page
    /// shows: `lcnet record` (accuracy, MACs, the threshold curve; into the model card) and
    /// `lcnet stats` (per-class tables, cost buckets, example images; into `<weights>-stats/`).
    Measure {
        #[command(flatten)]
        weights: WeightsArg,
        /// CIFAR-10: the JPEG mirror's zip, an extracted folder or cifar-10-batches-bin/.
        #[arg(long, default_value = "../shared/datasets/cifar10-jpeg.zip")]
        data: PathBuf,
        /// The static baseline to evaluate next to it [default: for lcnet-X, X-static next to it].
        #[arg(long)]
        static_weights: Option<PathBuf>,
    },
    /// Build, then run the in-browser benchmark (tests/bench/bench-web.mjs, Chromium; with
    /// `--engines`, tests/bench/engines.mjs: Chromium, Firefox and WebKit side by side).
    BenchWeb {
        #[command(flatten)]
        weights: WeightsArg,
        #[arg(long)]
        engines: bool,
        /// Passed on to the benchmark script (after `--`).
        #[arg(last = true)]
        args: Vec<String>,
    },
}

#[derive(Args, Clone)]
struct WeightsArg {
    /// Model weights (.safetensors, with its .json card next to it)
    /// [default: weights/lcnet-resnet56.safetensors, else weights/smoke/lcnet-resnet8.safetensors]
    #[arg(long, value_name = "PATH.safetensors")]
    weights: Option<PathBuf>,
}

impl WeightsArg {
    /// The weights file as an absolute path (children run in the repository root), checked to
    /// exist so a missing file fails before any long build.
    fn resolve(&self) -> Result<PathBuf> {
        let path = match &self.weights {
            Some(p) => p.clone(),
            None => {
                let found = DEFAULT_WEIGHTS
                    .iter()
                    .map(|p| root().join(p))
                    .find(|p| p.exists());
                let path = found.unwrap_or_else(|| root().join(DEFAULT_WEIGHTS[0]));
                if !path.ends_with(DEFAULT_WEIGHTS[0]) {
                    println!(
                        "note: {} not trained yet, using {}",
                        DEFAULT_WEIGHTS[0],
                        path.display()
                    );
                }
                path
            }
        };
        path.canonicalize().with_context(|| {
            format!(
                "weights not found at {} (train them, or pass --weights PATH.safetensors)",
                path.display()
            )
        })
    }
}

fn main() -> ExitCode {
    // anyhow's Debug output would add a backtrace whenever RUST_BACKTRACE is set, burying the
    // message; the chain of contexts is what says what failed.
    match try_main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nerror: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}

fn try_main() -> Result<()> {
    match Cli::parse() {
        Cli::Build(opts) => build::build(&opts).map(drop),
        Cli::Serve { port, build } => {
            build::build(&build)?;
            serve::serve(&root().join("www"), port)
        }
        Cli::Validate => validate::validate(),
        Cli::Test { weights } => test::test(&weights),
        Cli::Measure {
            weights,
            data,
            static_weights,
        } => measure(&weights, &data, static_weights),
        Cli::BenchWeb {
            weights,
            engines,
            args,
        } => bench_web::bench_web(&weights, engines, &args),
    }
}

/// Depths of the static networks LC-Net is compared with (`weights/resnet<depth>-static.*`).
const FRONTIER_DEPTHS: [usize; 4] = [8, 14, 20, 32];

/// `cargo xtask measure`: `lcnet record`, then `lcnet stats`, on the full test set.
fn measure(weights: &WeightsArg, data: &Path, static_weights: Option<PathBuf>) -> Result<()> {
    let weights = weights.resolve()?;
    let data = std::path::absolute(data)?;
    let static_weights = static_weights.or_else(|| {
        let name = weights.file_name()?.to_str()?.strip_prefix("lcnet-")?;
        Some(weights.with_file_name(name.replace(".safetensors", "-static.safetensors")))
    });
    let cli = |sub: &str| {
        let mut c = cargo();
        c.args([
            "run",
            "--release",
            "-p",
            "lcnet",
            "--bin",
            "lcnet",
            "--",
            sub,
        ]);
        c.arg("--weights").arg(&weights).arg("--data").arg(&data);
        c
    };
    let mut record = cli("record");
    if let Some(s) = static_weights.filter(|p| p.is_file()) {
        record.arg("--static-weights").arg(s);
    } else {
        println!("note: no static baseline found next to the weights; recording without it");
    }
    // The frontier: static networks of the smaller depths trained by the same recipe.
    for depth in FRONTIER_DEPTHS {
        let w = weights.with_file_name(format!("resnet{depth}-static.safetensors"));
        if w.is_file() {
            record.arg("--frontier").arg(w);
        } else {
            println!(
                "note: no {}, the frontier has no ResNet-{depth}",
                w.display()
            );
        }
    }
    run(&mut record)?;
    let dir = build::stats_dir(&weights);
    // The example images of an earlier run would linger beside the new ones (their names are
    // test-set indices, which change with the model).
    if dir.is_dir() {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.extension().is_some_and(|x| x == "png") {
                std::fs::remove_file(&path)?;
            }
        }
    }
    run(cli("stats")
        .arg("--out")
        .arg(dir.join("stats.json"))
        .arg("--examples-dir")
        .arg(&dir))
}

/// The workspace root; every command runs from here whatever the caller's directory.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// `cargo`, the same one that runs xtask.
fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(root());
    cmd
}

/// A command that runs in the repository root.
fn command(program: impl AsRef<OsStr>) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(root());
    cmd
}

/// Echo a command, run it with inherited stdio, and fail unless it exits successfully.
fn run(cmd: &mut Command) -> Result<()> {
    let shown = display(cmd);
    println!("$ {shown}");
    let status = cmd
        .status()
        .with_context(|| format!("could not start `{shown}`"))?;
    if !status.success() {
        bail!("`{shown}` failed ({status})");
    }
    Ok(())
}

/// The command line as a shell would show it, with the program shortened: cargo by name, tools
/// in the repository relative to it.
fn display(cmd: &Command) -> String {
    let program = Path::new(cmd.get_program());
    let program = match program.strip_prefix(root()) {
        Ok(relative) => relative.display().to_string(),
        Err(_) if program.ends_with("cargo") => "cargo".into(),
        Err(_) => program.display().to_string(),
    };
    let mut parts = vec![program];
    parts.extend(cmd.get_args().map(|a| a.to_string_lossy().into_owned()));
    parts.join(" ")
}

/// The path relative to the repository root when it is inside it, for shorter messages.
fn short(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}
