//! `lcnet eval`, `lcnet curve` and `lcnet record`: accuracy and cost on the test split, the
//! threshold curve, and both written into the model card.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Result;
use lcnet::dataset::Sample;
use lcnet::eval::{evaluate_parallel, EvalResult};
use lcnet::exec::cpu::Cpu;
use lcnet::{sweep, Executor, Mode, Thresholds};
use serde::Serialize;

use crate::loaded::{gpu_model, load, mega, reference, samples, DataArgs, Loaded, ModelArgs};

/// Where `lcnet eval` runs the network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exec {
    /// Direct CPU kernels, real skipping, every core.
    Cpu,
    /// candle's dense masked reference, every core.
    Reference,
    /// The GPU executor, this many images per submission.
    Gpu(usize),
}

impl Exec {
    fn name(self) -> String {
        match self {
            Exec::Cpu => "dynamic".into(),
            Exec::Reference => "dense-masked reference".into(),
            Exec::Gpu(b) => format!("gpu, batch {b}"),
        }
    }
}

/// One pass over `s` through `exec`, and its time (the executor's set-up not included).
pub fn run_eval(
    l: &Loaded,
    s: &[Sample],
    mode: Mode,
    th: Thresholds,
    exec: Exec,
) -> Result<(EvalResult, Duration)> {
    let samples: Vec<(usize, &[u8])> = s.iter().map(|s| (s.label, s.rgb.as_slice())).collect();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    // Every executor takes the same path: the images are independent, so the CPU ones split
    // them over the cores; the GPU is parallel itself.
    match exec {
        Exec::Cpu => timed(&Cpu::new(&l.net), &samples, mode, th, cores),
        Exec::Reference => timed(&reference(l)?, &samples, mode, th, cores),
        Exec::Gpu(batch) => timed(&gpu_model(l, batch)?, &samples, mode, th, 1),
    }
}

/// [`evaluate_parallel`] and its time.
fn timed(
    exec: &(impl Executor + Sync),
    samples: &[(usize, &[u8])],
    mode: Mode,
    th: Thresholds,
    threads: usize,
) -> Result<(EvalResult, Duration)> {
    let t = Instant::now();
    let r = evaluate_parallel(exec, samples, mode, th, threads)?;
    Ok((r, t.elapsed()))
}

/// The static baseline checkpoint `w` (its card's thresholds) on `s`.
fn static_eval(w: &Path, s: &[Sample]) -> Result<(Loaded, EvalResult)> {
    let sl = load(&ModelArgs {
        weights: w.to_path_buf(),
        tau_l: None,
        tau_c: None,
    })?;
    let (r, _) = run_eval(&sl, s, Mode::Static, sl.th, Exec::Cpu)?;
    Ok((sl, r))
}

#[derive(Serialize)]
struct EvalReport {
    model: String,
    data: String,
    exec: String,
    seconds: f64,
    dynamic: EvalSummary,
    #[serde(skip_serializing_if = "Option::is_none")]
    static_baseline: Option<EvalSummary>,
}

/// A static network of another depth on the same images, its cost as a share of `static_macs`
/// (the LC-Net's own static network): one point of the frontier LC-Net is judged against.
#[derive(Serialize)]
struct FrontierPoint {
    weights: Option<String>,
    card: String,
    depth: usize,
    images: usize,
    accuracy: f64,
    mean_macs: f64,
    macs_ratio: f64,
}

fn frontier_point(w: &Path, s: &[Sample], static_macs: u64) -> Result<FrontierPoint> {
    let (sl, r) = static_eval(w, s)?;
    println!(
        "frontier {}: accuracy {:.2}% at {:.1}% of the MACs",
        sl.card.name,
        100.0 * r.accuracy,
        100.0 * r.mean_macs / static_macs as f64
    );
    Ok(FrontierPoint {
        weights: w.file_name().map(|n| n.to_string_lossy().into_owned()),
        card: sl.card.name.clone(),
        depth: sl.net.config().depth,
        images: r.images,
        accuracy: r.accuracy,
        mean_macs: r.mean_macs,
        macs_ratio: r.mean_macs / static_macs as f64,
    })
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

pub fn eval(
    m: &ModelArgs,
    d: &DataArgs,
    static_weights: Option<&Path>,
    exec: Exec,
    json: bool,
) -> Result<()> {
    let l = load(m)?;
    let s = samples(&d.data, &l, d.limit)?;
    let (r, time) = run_eval(&l, &s, Mode::Dynamic, l.th, exec)?;
    let seconds = time.as_secs_f64();
    let static_baseline = match static_weights {
        Some(w) => Some(EvalSummary::from(&static_eval(w, &s)?.1)),
        None => None,
    };
    let report = EvalReport {
        model: l.card.name.clone(),
        data: d.data.display().to_string(),
        exec: exec.name(),
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
pub struct Curve {
    model: String,
    data: String,
    images: usize,
    static_macs: u64,
    /// One point per threshold setting, `sweep` telling which knob moved.
    points: Vec<CurvePoint>,
}

#[derive(Serialize)]
struct CurvePoint {
    sweep: sweep::Sweep,
    #[serde(flatten)]
    result: EvalSummary,
}

pub fn curve(m: &ModelArgs, d: &DataArgs, grid: &[f32]) -> Result<Curve> {
    let l = load(m)?;
    let s = samples(&d.data, &l, d.limit)?;
    let points = curve_points(&l, &s, grid)?;
    Ok(Curve {
        model: l.card.name.clone(),
        data: d.data.display().to_string(),
        images: s.len(),
        static_macs: lcnet::model::geometry::static_macs(l.net.config()),
        points,
    })
}

fn curve_points(l: &Loaded, s: &[Sample], grid: &[f32]) -> Result<Vec<CurvePoint>> {
    let points = sweep::run(grid, |th| {
        let (r, _) = run_eval(l, s, Mode::Dynamic, th, Exec::Cpu)?;
        eprintln!(
            "tau_l {:.2} tau_c {:.2}: accuracy {:.2}%, MACs {:.1}% of static",
            th.tau_l,
            th.tau_c,
            100.0 * r.accuracy,
            100.0 * r.macs_ratio
        );
        Ok::<_, anyhow::Error>(r)
    })?;
    Ok(points
        .into_iter()
        .map(|(sweep, r)| CurvePoint {
            sweep,
            result: EvalSummary::from(&r),
        })
        .collect())
}

pub fn record(
    m: &ModelArgs,
    d: &DataArgs,
    static_weights: Option<&Path>,
    frontier: &[PathBuf],
    grid: &[f32],
) -> Result<()> {
    let l = load(m)?;
    let s = samples(&d.data, &l, d.limit)?;
    let t = Instant::now();
    let (dynamic, _) = run_eval(&l, &s, Mode::Dynamic, l.th, Exec::Cpu)?;
    let ms_per_image = 1e3 * t.elapsed().as_secs_f64() / s.len().max(1) as f64;
    let static_baseline = match static_weights {
        Some(w) => {
            let (sl, r) = static_eval(w, &s)?;
            Some(serde_json::json!({
                // The file name: an absolute path would tie the card to one machine.
                "weights": w.file_name().map(|n| n.to_string_lossy().into_owned()),
                "card": sl.card.name,
                "result": EvalSummary::from(&r),
            }))
        }
        None => None,
    };
    let frontier = frontier
        .iter()
        .map(|w| frontier_point(w, &s, dynamic.static_macs))
        .collect::<Result<Vec<_>>>()?;
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
        "dynamics": lcnet::dynamics::dynamics(&dynamic.decisions),
        "dynamic_ms_per_image": ms_per_image,
        "eval_threads": std::thread::available_parallelism().map_or(1, |n| n.get()),
        "static_baseline": static_baseline,
        "frontier": frontier,
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
