//! `lcnet`: the native command line of the LC-Net runtime.
//!
//! One small module per command over library functions. MACs everywhere are
//! multiply-accumulates of the convolutions and fully connected layers (gating networks
//! included; batch norm folded; ReLU, pooling and additions not counted).

mod bench;
mod classify;
mod eval;
mod loaded;
mod stats;

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use lcnet::dataset;

use loaded::{load, samples, DataArgs, ModelArgs};

#[derive(Parser)]
#[command(
    name = "lcnet",
    version,
    about = "LC-Net dynamic inference: classify, evaluate, benchmark"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Args, Clone)]
struct GridArgs {
    /// Threshold values; each is used for tau_l alone, tau_c alone and both together
    /// [default: 0 to 0.3 in steps of 0.01, where the model changes, then 0.4, 0.5, 0.7, 0.9].
    #[arg(long, value_delimiter = ',', default_values_t = default_grid(), hide_default_value = true)]
    grid: Vec<f32>,
}

/// Dense where accuracy and cost move (the page's sliders step through these values), sparse
/// above, where accuracy is near chance.
fn default_grid() -> Vec<f32> {
    (0..=30)
        .map(|i| i as f32 / 100.0)
        .chain([0.4, 0.5, 0.7, 0.9])
        .collect()
}

#[derive(Subcommand)]
enum Cmd {
    /// Classify images: prediction, top-5, blocks and channels run, MACs vs static.
    Classify {
        #[command(flatten)]
        model: ModelArgs,
        /// Print a JSON array of {file, prepared, trace}.
        #[arg(long)]
        json: bool,
        #[arg(required = true)]
        images: Vec<PathBuf>,
    },
    /// Accuracy and mean MACs on the CIFAR-10 test split.
    Eval {
        #[command(flatten)]
        model: ModelArgs,
        #[command(flatten)]
        data: DataArgs,
        /// Also evaluate a static baseline checkpoint (e.g. weights/resnet56-static.safetensors).
        #[arg(long)]
        static_weights: Option<PathBuf>,
        /// `cpu`: the CPU kernels, real skipping, every core; `reference`: candle's dense masked
        /// network (same results, full cost); `gpu`: the WGSL executor through wgpu (Vulkan; Mesa
        /// lavapipe without a GPU), which runs `--batch` images per submission.
        #[arg(long, value_enum, default_value_t = Backend::Cpu)]
        backend: Backend,
        #[arg(long, default_value_t = 64)]
        batch: usize,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// The accuracy/MACs trade-off over a grid of thresholds, written as JSON.
    Curve {
        #[command(flatten)]
        model: ModelArgs,
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        grid: GridArgs,
        #[arg(long)]
        out: PathBuf,
    },
    /// Measure a model on the test split and write the results into its model card
    /// (`results.rust`: dynamic and static-baseline accuracy and MACs, and the threshold curve).
    Record {
        #[command(flatten)]
        model: ModelArgs,
        #[command(flatten)]
        data: DataArgs,
        /// The static baseline checkpoint trained by the same recipe.
        #[arg(long)]
        static_weights: Option<PathBuf>,
        /// Static networks of other depths trained by the same recipe (repeat the option): the
        /// frontier LC-Net is compared with, measured on the same images.
        #[arg(long)]
        frontier: Vec<PathBuf>,
        #[command(flatten)]
        grid: GridArgs,
    },
    /// Per-class behaviour (how often each block runs, mean kept channels), accuracy per cost
    /// bucket and example images: the data behind the page's teaching views.
    Stats {
        #[command(flatten)]
        model: ModelArgs,
        #[command(flatten)]
        data: DataArgs,
        /// The JSON file to write.
        #[arg(long)]
        out: PathBuf,
        /// Example images per class, evenly spread from the cheapest to the costliest.
        #[arg(long, default_value_t = 6)]
        examples: usize,
        /// Where to write the example images (PNG); their names are relative to it in the JSON.
        #[arg(long)]
        examples_dir: Option<PathBuf>,
        /// Number of cost buckets (equal numbers of images).
        #[arg(long, default_value_t = 10)]
        buckets: usize,
    },
    /// Write test images in CIFAR-10's binary format (a label byte and 3072 CHW bytes each), their
    /// pixels as this crate decodes them: `--limit N` picks them as `eval --limit N` does. The
    /// page's "measure it yourself" ships such a file.
    Subset {
        #[command(flatten)]
        model: ModelArgs,
        #[command(flatten)]
        data: DataArgs,
        #[arg(long)]
        out: PathBuf,
    },
    /// Batch-1 latency of the static and the dynamic path on the same images.
    Bench {
        #[command(flatten)]
        model: ModelArgs,
        /// Images to time (default: the committed 200-image test fixture).
        #[arg(long, default_value = "crate/tests/fixtures/cifar10-test-200.bin")]
        data: PathBuf,
        #[arg(long, default_value_t = 50)]
        images: usize,
        /// Timed passes over the images after one warm-up pass.
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// Leave out candle's conv2d paths (the slow references), e.g. to profile.
        #[arg(long)]
        no_reference: bool,
        /// Time the GPU executor instead: batch 1 and `--batch` images per submission.
        #[arg(long)]
        gpu: bool,
        #[arg(long, default_value_t = 64)]
        batch: usize,
        #[arg(long)]
        json: bool,
    },
}

/// Where `eval` runs the network.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Backend {
    Cpu,
    Reference,
    Gpu,
}

fn main() -> Result<()> {
    match Cli::parse().cmd {
        Cmd::Classify {
            model,
            json,
            images,
        } => classify::classify(&model, json, &images),
        Cmd::Eval {
            model,
            data,
            static_weights,
            backend,
            batch,
            json,
        } => {
            let exec = match backend {
                Backend::Gpu => eval::Exec::Gpu(batch),
                Backend::Reference => eval::Exec::Reference,
                Backend::Cpu => eval::Exec::Cpu,
            };
            eval::eval(&model, &data, static_weights.as_deref(), exec, json)
        }
        Cmd::Curve {
            model,
            data,
            grid,
            out,
        } => {
            let c = eval::curve(&model, &data, &grid.grid)?;
            std::fs::write(&out, serde_json::to_string_pretty(&c)? + "\n")?;
            eprintln!("wrote {}", out.display());
            Ok(())
        }
        Cmd::Record {
            model,
            data,
            static_weights,
            frontier,
            grid,
        } => eval::record(
            &model,
            &data,
            static_weights.as_deref(),
            &frontier,
            &grid.grid,
        ),
        Cmd::Stats {
            model,
            data,
            out,
            examples,
            examples_dir,
            buckets,
        } => stats::stats(
            &model,
            &data,
            &out,
            examples,
            examples_dir.as_deref(),
            buckets,
        ),
        Cmd::Subset { model, data, out } => {
            let s = samples(&data.data, &load(&model)?, data.limit)?;
            std::fs::write(&out, dataset::write_bin(&s)?)
                .with_context(|| format!("writing {}", out.display()))?;
            eprintln!("wrote {} images to {}", s.len(), out.display());
            Ok(())
        }
        Cmd::Bench {
            model,
            data,
            images,
            runs,
            no_reference,
            gpu,
            batch,
            json,
        } => {
            let gpu_batch = gpu.then_some(batch);
            bench::bench(&model, &data, images, runs, !no_reference, gpu_batch, json)
        }
    }
}
