//! `lcnet`: the native command line of the LC-Net runtime.
//!
//! MACs everywhere are multiply-accumulates of the convolutions and fully connected layers
//! (gating networks included; batch norm folded; ReLU, pooling and additions not counted).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use candle_core::Device;
use clap::{Args, Parser, Subcommand};
use lcnet::dataset::{self, Sample};
use lcnet::eval::{evaluate_parallel, EvalResult};
use lcnet::{preprocess, Exec, LcNet, ModelCard, Thresholds, Trace};
use serde::Serialize;

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
struct ModelArgs {
    /// Weights (safetensors); the model card is the same path with `.json`.
    #[arg(long, default_value = "weights/lcnet-resnet56.safetensors")]
    weights: PathBuf,
    /// L-gate threshold (default: the card's). Blocks whose gate is <= it are skipped.
    #[arg(long)]
    tau_l: Option<f32>,
    /// C-gate threshold (default: the card's). Channels whose gate is <= it are skipped.
    #[arg(long)]
    tau_c: Option<f32>,
}

#[derive(Args, Clone)]
struct DataArgs {
    /// The JPEG mirror zip, a test/<class>/ folder, or CIFAR binary (.bin or its folder).
    #[arg(long)]
    data: PathBuf,
    /// Use N test images, evenly spread over the split (0 = all).
    #[arg(long, default_value_t = 0)]
    limit: usize,
}

#[derive(Args, Clone)]
struct GridArgs {
    /// Threshold values; each is used for tau_l alone, tau_c alone and both together.
    #[arg(long, value_delimiter = ',', default_values_t = vec![0.0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.08, 0.1, 0.12, 0.15, 0.2, 0.3, 0.5, 0.9])]
    grid: Vec<f32>,
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
        /// Run the dense masked reference instead of real skipping (same results, full cost).
        #[arg(long)]
        dense: bool,
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
        #[arg(long)]
        json: bool,
    },
}

struct Loaded {
    net: LcNet,
    card: ModelCard,
    th: Thresholds,
}

fn load(m: &ModelArgs) -> Result<Loaded> {
    let card_path = m.weights.with_extension("json");
    let text = std::fs::read_to_string(&card_path)
        .with_context(|| format!("reading the model card {}", card_path.display()))?;
    let card = ModelCard::from_json(&text)?;
    if !m.weights.exists() {
        bail!("weights file {} not found", m.weights.display());
    }
    let net = LcNet::load(&m.weights, &card.config, &Device::Cpu)
        .with_context(|| format!("loading {}", m.weights.display()))?;
    let def = Thresholds::from_config(&card.config);
    let th = Thresholds {
        tau_l: m.tau_l.unwrap_or(def.tau_l),
        tau_c: m.tau_c.unwrap_or(def.tau_c),
    };
    Ok(Loaded { net, card, th })
}

fn main() -> Result<()> {
    match Cli::parse().cmd {
        Cmd::Classify {
            model,
            json,
            images,
        } => classify(&model, json, &images),
        Cmd::Eval {
            model,
            data,
            static_weights,
            dense,
            json,
        } => eval(&model, &data, static_weights.as_deref(), dense, json),
        Cmd::Curve {
            model,
            data,
            grid,
            out,
        } => {
            let c = curve(&model, &data, &grid.grid)?;
            std::fs::write(&out, serde_json::to_string_pretty(&c)? + "\n")?;
            eprintln!("wrote {}", out.display());
            Ok(())
        }
        Cmd::Record {
            model,
            data,
            static_weights,
            grid,
        } => record(&model, &data, static_weights.as_deref(), &grid.grid),
        Cmd::Stats {
            model,
            data,
            out,
            examples,
            examples_dir,
            buckets,
        } => stats(
            &model,
            &data,
            &out,
            examples,
            examples_dir.as_deref(),
            buckets,
        ),
        Cmd::Bench {
            model,
            data,
            images,
            runs,
            no_reference,
            json,
        } => bench(&model, &data, images, runs, !no_reference, json),
    }
}

#[derive(Serialize)]
struct Classified {
    file: String,
    prepared: preprocess::Prepared,
    trace: Trace,
}

fn classify(m: &ModelArgs, json: bool, images: &[PathBuf]) -> Result<()> {
    let l = load(m)?;
    let mut out = Vec::new();
    let mut failed = 0;
    for path in images {
        let result = std::fs::read(path)
            .map_err(anyhow::Error::from)
            .and_then(|b| Ok(preprocess::prepare(&b, l.net.config().image_size)?))
            .and_then(|p| Ok((l.net.classify(&p, l.th)?, p)));
        match result {
            Ok((trace, prepared)) => {
                if !json {
                    print_trace(&path.display().to_string(), &trace);
                }
                out.push(Classified {
                    file: path.display().to_string(),
                    prepared,
                    trace,
                });
            }
            Err(e) => {
                failed += 1;
                eprintln!("{}: {e:#}", path.display());
            }
        }
    }
    if json {
        println!("{}", serde_json::to_string(&out)?);
    }
    if failed > 0 {
        bail!(
            "{failed} of {} images could not be classified",
            images.len()
        );
    }
    Ok(())
}

fn mega(macs: f64) -> String {
    format!("{:.2} M", macs / 1e6)
}

fn print_trace(file: &str, t: &Trace) {
    println!(
        "{file}: {} ({:.1}%)",
        t.prediction.label,
        100.0 * t.prediction.prob
    );
    let top: Vec<String> = t
        .top5
        .iter()
        .map(|c| format!("{} {:.1}%", c.label, 100.0 * c.prob))
        .collect();
    println!("  top-5: {}", top.join(", "));
    println!(
        "  blocks run {}/{}, channels kept {}/{}, MACs {} of {} static ({:.1}%, saves {:.1}%)",
        t.blocks_run,
        t.blocks.len(),
        t.channels_kept,
        t.channels_total,
        mega(t.macs as f64),
        mega(t.static_macs as f64),
        100.0 * t.macs_ratio(),
        100.0 * (1.0 - t.macs_ratio())
    );
    for b in &t.blocks {
        let gate = b.l_gate.map_or("   -".to_string(), |g| format!("{g:.2}"));
        let strip: String = match &b.c_gates {
            Some(_) | None if b.ran => (0..b.planes)
                .map(|k| if b.kept.contains(&k) { '#' } else { '.' })
                .collect(),
            _ => "skipped".into(),
        };
        println!(
            "  stage{}.{:<2} L={gate} kept {:>2}/{:<2} {:>6} MACs  {strip}",
            b.stage + 1,
            b.position,
            b.kept.len(),
            b.planes,
            mega(b.macs as f64)
        );
    }
}

fn samples(data: &Path, l: &Loaded, limit: usize) -> Result<Vec<Sample>> {
    let t = Instant::now();
    let s = dataset::load_test(data, l.net.config(), limit)?;
    eprintln!(
        "loaded {} test images in {:.1} s",
        s.len(),
        t.elapsed().as_secs_f64()
    );
    Ok(s)
}

/// One pass over `s`, on every core (the images are independent; each thread runs batch 1 on
/// the dynamic path, batches of 100 on the dense ones).
fn run_eval(l: &Loaded, s: &[Sample], exec: Exec, th: Thresholds) -> Result<EvalResult> {
    let samples: Vec<(usize, &[u8])> = s.iter().map(|s| (s.label, s.rgb.as_slice())).collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    Ok(evaluate_parallel(&l.net, &samples, exec, th, 100, threads)?)
}

#[derive(Serialize)]
struct EvalReport {
    model: String,
    data: String,
    exec: &'static str,
    seconds: f64,
    dynamic: EvalSummary,
    #[serde(skip_serializing_if = "Option::is_none")]
    static_baseline: Option<EvalSummary>,
}

#[derive(Serialize)]
struct EvalSummary {
    images: usize,
    tau_l: f32,
    tau_c: f32,
    accuracy: f64,
    mean_macs: f64,
    static_macs: u64,
    macs_ratio: f64,
    mean_blocks_run: f64,
    blocks_total: usize,
    mean_channels_kept: f64,
    channels_total: usize,
}

impl From<&EvalResult> for EvalSummary {
    fn from(r: &EvalResult) -> Self {
        Self {
            images: r.images,
            tau_l: r.tau_l,
            tau_c: r.tau_c,
            accuracy: r.accuracy,
            mean_macs: r.mean_macs,
            static_macs: r.static_macs,
            macs_ratio: r.macs_ratio,
            mean_blocks_run: r.mean_blocks_run,
            blocks_total: r.blocks_total,
            mean_channels_kept: r.mean_channels_kept,
            channels_total: r.channels_total,
        }
    }
}

fn eval(
    m: &ModelArgs,
    d: &DataArgs,
    static_weights: Option<&Path>,
    dense: bool,
    json: bool,
) -> Result<()> {
    let l = load(m)?;
    let s = samples(&d.data, &l, d.limit)?;
    let t = Instant::now();
    let exec = if dense {
        Exec::DenseMasked
    } else {
        Exec::Dynamic
    };
    let r = run_eval(&l, &s, exec, l.th)?;
    let seconds = t.elapsed().as_secs_f64();
    let static_baseline = match static_weights {
        Some(w) => {
            let sl = load(&ModelArgs {
                weights: w.to_path_buf(),
                tau_l: None,
                tau_c: None,
            })?;
            Some(EvalSummary::from(&run_eval(&sl, &s, Exec::Static, sl.th)?))
        }
        None => None,
    };
    let report = EvalReport {
        model: l.card.name.clone(),
        data: d.data.display().to_string(),
        exec: if dense { "dense-masked" } else { "dynamic" },
        seconds,
        dynamic: EvalSummary::from(&r),
        static_baseline,
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    println!("{} on {} images of {}", report.model, r.images, report.data);
    println!(
        "  dynamic ({}, tau_l {}, tau_c {}): accuracy {:.2}%, mean MACs {} = {:.1}% of static {} ({:.2}x fewer)",
        report.exec,
        r.tau_l,
        r.tau_c,
        100.0 * r.accuracy,
        mega(r.mean_macs),
        100.0 * r.macs_ratio,
        mega(r.static_macs as f64),
        1.0 / r.macs_ratio
    );
    println!(
        "  mean blocks run {:.1}/{}, mean channels kept {:.0}/{}, {:.1} ms per image",
        r.mean_blocks_run,
        r.blocks_total,
        r.mean_channels_kept,
        r.channels_total,
        1e3 * seconds / r.images.max(1) as f64
    );
    if let Some(sb) = &report.static_baseline {
        println!(
            "  static baseline: accuracy {:.2}%, MACs {}",
            100.0 * sb.accuracy,
            mega(sb.mean_macs)
        );
    }
    Ok(())
}

#[derive(Serialize)]
struct Curve {
    model: String,
    data: String,
    images: usize,
    static_macs: u64,
    /// One point per threshold setting, `sweep` telling which knob moved.
    points: Vec<CurvePoint>,
}

#[derive(Serialize)]
struct CurvePoint {
    sweep: &'static str,
    #[serde(flatten)]
    result: EvalSummary,
}

fn curve(m: &ModelArgs, d: &DataArgs, grid: &[f32]) -> Result<Curve> {
    let l = load(m)?;
    let s = samples(&d.data, &l, d.limit)?;
    let points = curve_points(&l, &s, grid)?;
    Ok(Curve {
        model: l.card.name.clone(),
        data: d.data.display().to_string(),
        images: s.len(),
        static_macs: lcnet::trace::static_macs(l.net.config()),
        points,
    })
}

fn curve_points(l: &Loaded, s: &[Sample], grid: &[f32]) -> Result<Vec<CurvePoint>> {
    let mut settings: Vec<(&'static str, Thresholds)> = Vec::new();
    for &t in grid {
        settings.push(("both", Thresholds { tau_l: t, tau_c: t }));
    }
    for &t in grid.iter().filter(|&&t| t > 0.0) {
        settings.push((
            "tau_l",
            Thresholds {
                tau_l: t,
                tau_c: 0.0,
            },
        ));
        settings.push((
            "tau_c",
            Thresholds {
                tau_l: 0.0,
                tau_c: t,
            },
        ));
    }
    let mut points = Vec::new();
    for (sweep, th) in settings {
        let r = run_eval(l, s, Exec::Dynamic, th)?;
        eprintln!(
            "{sweep:>5} tau_l {:.2} tau_c {:.2}: accuracy {:.2}%, MACs {:.1}% of static",
            th.tau_l,
            th.tau_c,
            100.0 * r.accuracy,
            100.0 * r.macs_ratio
        );
        points.push(CurvePoint {
            sweep,
            result: EvalSummary::from(&r),
        });
    }
    Ok(points)
}

fn record(m: &ModelArgs, d: &DataArgs, static_weights: Option<&Path>, grid: &[f32]) -> Result<()> {
    let l = load(m)?;
    let s = samples(&d.data, &l, d.limit)?;
    let t = Instant::now();
    let dynamic = run_eval(&l, &s, Exec::Dynamic, l.th)?;
    let ms_per_image = 1e3 * t.elapsed().as_secs_f64() / s.len().max(1) as f64;
    let static_baseline = match static_weights {
        Some(w) => {
            let sl = load(&ModelArgs {
                weights: w.to_path_buf(),
                tau_l: None,
                tau_c: None,
            })?;
            let r = run_eval(&sl, &s, Exec::Static, sl.th)?;
            Some(serde_json::json!({
                // The file name: an absolute path would tie the card to one machine.
                "weights": w.file_name().map(|n| n.to_string_lossy().into_owned()),
                "card": sl.card.name,
                "result": EvalSummary::from(&r),
            }))
        }
        None => None,
    };
    let curve = curve_points(&l, &s, grid)?;
    let card_path = m.weights.with_extension("json");
    let mut card: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&card_path)?)?;
    let data_name = d
        .data
        .file_name()
        .map_or(String::new(), |n| n.to_string_lossy().to_string());
    card["results"]["rust"] = serde_json::json!({
        "measured_by": "lcnet record (native CLI, direct CPU kernels, real skipping)",
        "data": data_name,
        "dynamic": EvalSummary::from(&dynamic),
        "dynamic_ms_per_image": ms_per_image,
        "eval_threads": std::thread::available_parallelism().map_or(1, |n| n.get()),
        "static_baseline": static_baseline,
        "curve": curve,
    });
    std::fs::write(&card_path, serde_json::to_string_pretty(&card)? + "\n")?;
    println!(
        "{}: accuracy {:.2}% at {:.1}% of the static MACs; wrote {}",
        l.card.name,
        100.0 * dynamic.accuracy,
        100.0 * dynamic.macs_ratio,
        card_path.display()
    );
    Ok(())
}

#[derive(Serialize)]
struct Example {
    file: String,
    source: String,
    class: usize,
    prediction: usize,
    macs: u64,
    ran: Vec<bool>,
    kept: Vec<usize>,
}

fn stats(
    m: &ModelArgs,
    d: &DataArgs,
    out: &Path,
    per_class: usize,
    examples_dir: Option<&Path>,
    buckets: usize,
) -> Result<()> {
    let l = load(m)?;
    let s = samples(&d.data, &l, d.limit)?;
    let r = run_eval(&l, &s, Exec::Dynamic, l.th)?;
    let cfg = l.net.config();
    let mut examples = Vec::new();
    for class in 0..cfg.num_classes {
        let mut idx: Vec<usize> = (0..s.len()).filter(|&i| s[i].label == class).collect();
        idx.sort_by_key(|&i| r.macs[i]);
        let k = per_class.min(idx.len());
        for j in 0..k {
            // Evenly spread over the cost order, cheapest and costliest included.
            let i = idx[if k > 1 {
                j * (idx.len() - 1) / (k - 1)
            } else {
                0
            }];
            let stem = Path::new(&s[i].name).file_stem().map_or_else(
                || format!("{i}"),
                |n| n.to_string_lossy().trim_start_matches('#').to_string(),
            );
            let file = format!("{}-{stem}.png", cfg.class_names[class]);
            if let Some(dir) = examples_dir {
                std::fs::create_dir_all(dir)?;
                let n = cfg.image_size as u32;
                image::RgbImage::from_raw(n, n, s[i].rgb.clone())
                    .context("example image size")?
                    .save(dir.join(&file))?;
            }
            examples.push(Example {
                file,
                source: s[i].name.clone(),
                class,
                prediction: r.predictions[i],
                macs: r.macs[i],
                ran: r.block_ran[i].clone(),
                kept: r.block_kept[i].clone(),
            });
        }
    }
    let blocks: Vec<_> = l
        .net
        .blocks()
        .iter()
        .map(|b| {
            serde_json::json!({
                "index": b.index, "stage": b.shape.stage, "position": b.shape.position,
                "planes": b.shape.planes, "static_macs": b.cost.static_macs,
            })
        })
        .collect();
    let report = serde_json::json!({
        "model": l.card.name,
        "data": d.data.file_name().map(|n| n.to_string_lossy().to_string()),
        "measured_by": "lcnet stats (native CLI, real skipping)",
        "images": r.images,
        "tau_l": l.th.tau_l,
        "tau_c": l.th.tau_c,
        "accuracy": r.accuracy,
        "mean_macs": r.mean_macs,
        "static_macs": r.static_macs,
        "blocks": blocks,
        "classes": lcnet::stats::per_class(&r, &cfg.class_names),
        "cost_buckets": lcnet::stats::cost_buckets(&r, buckets),
        "examples": examples,
    });
    std::fs::write(out, serde_json::to_string_pretty(&report)? + "\n")?;
    eprintln!("wrote {}", out.display());
    Ok(())
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// One path's timings: median and mean ms per image, and mean MACs per image.
struct Timed {
    median_ms: f64,
    mean_ms: f64,
    macs: f64,
}

fn bench(
    m: &ModelArgs,
    data: &Path,
    images: usize,
    runs: usize,
    reference: bool,
    json: bool,
) -> Result<()> {
    let l = load(m)?;
    let s = samples(data, &l, images)?;
    let cfg = l.net.config();
    let inputs = s
        .iter()
        .map(|s| preprocess::to_tensor(&s.rgb, 1, cfg, l.net.device()))
        .collect::<lcnet::Result<Vec<_>>>()?;
    // Paths that are compared take turns image by image, so a change in machine load hits them
    // alike; candle's (multi-threaded, cache-hungry) paths run in a phase of their own.
    let time = |execs: [Exec; 2]| -> Result<[Timed; 2]> {
        let mut ms = [Vec::new(), Vec::new()];
        let mut macs = [0.0; 2];
        for x in &inputs {
            for exec in execs {
                l.net.forward(x, exec, l.th)?; // warm-up pass
            }
        }
        let n = (inputs.len() * runs.max(1)) as f64;
        for _ in 0..runs.max(1) {
            for x in &inputs {
                for (k, &exec) in execs.iter().enumerate() {
                    let t = Instant::now();
                    let (_, traces) = l.net.forward(x, exec, l.th)?;
                    ms[k].push(t.elapsed().as_secs_f64() * 1e3);
                    macs[k] += traces[0].macs as f64 / n;
                }
            }
        }
        Ok([0, 1].map(|k| Timed {
            mean_ms: ms[k].iter().sum::<f64>() / n,
            median_ms: median(&mut ms[k]),
            macs: macs[k],
        }))
    };
    let [st, dy] = time([Exec::Static, Exec::Dynamic])?;
    let (static_ms, dyn_ms, static_macs, dyn_macs) = (st.median_ms, dy.median_ms, st.macs, dy.macs);
    let (candle_ms, dense_ms) = if reference {
        let [c, d] = time([Exec::StaticDense, Exec::DenseMasked])?;
        (Some(c.median_ms), Some(d.median_ms))
    } else {
        (None, None)
    };
    // The MACs ratio is a ratio of means; so is the time ratio that is held against it (the
    // median image of the dynamic path need not cost the mean MACs).
    let time_ratio = dy.mean_ms / st.mean_ms;
    let macs_ratio = dyn_macs / static_macs;
    if json {
        println!(
            "{}",
            serde_json::json!({
                "model": l.card.name, "images": inputs.len(), "runs": runs,
                "static_ms": static_ms, "dynamic_ms": dyn_ms, "dense_masked_ms": dense_ms,
                "static_mean_ms": st.mean_ms, "dynamic_mean_ms": dy.mean_ms,
                "candle_static_ms": candle_ms,
                "static_macs": static_macs, "dynamic_macs": dyn_macs,
                "time_ratio": time_ratio, "macs_ratio": macs_ratio,
                "time_over_macs_ratio": time_ratio / macs_ratio,
            })
        );
        return Ok(());
    }
    println!(
        "{} batch-1 median latency over {} images x {runs} runs (native CPU, one thread of direct kernels):",
        l.card.name,
        inputs.len()
    );
    println!(
        "  static (every block and channel):  {static_ms:.2} ms (mean {:.2}), {}",
        st.mean_ms,
        mega(static_macs)
    );
    if let (Some(c), Some(d)) = (candle_ms, dense_ms) {
        println!("  candle conv2d, static (reference): {c:.2} ms");
        println!("  candle conv2d, dense masked:       {d:.2} ms");
    }
    println!(
        "  dynamic (real skipping):           {dyn_ms:.2} ms (mean {:.2}), {}",
        dy.mean_ms,
        mega(dyn_macs)
    );
    println!(
        "  dynamic/static (means): time {time_ratio:.3}, MACs {macs_ratio:.3}; time ratio / MACs ratio = {:.2} (goal <= 1.2)",
        time_ratio / macs_ratio
    );
    Ok(())
}
