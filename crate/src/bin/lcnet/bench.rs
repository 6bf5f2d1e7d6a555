//! `lcnet bench`: batch-1 latency of the static and the dynamic path on the same images, and
//! optionally of candle's reference paths; with `--gpu`, the GPU executor at batch 1 and at
//! batch B (throughput, batch vs single, dynamic vs static).

use std::path::Path;

use anyhow::Result;
use lcnet::bench::{alternate, singles, Timed};
use lcnet::exec::cpu::Cpu;
use lcnet::{Executor, Mode, Thresholds};

use crate::loaded::{gpu_model, load, mega, samples, Loaded, ModelArgs};

pub fn bench(
    m: &ModelArgs,
    data: &Path,
    images: usize,
    runs: usize,
    reference: bool,
    gpu_batch: Option<usize>,
    json: bool,
) -> Result<()> {
    if images == 0 || runs == 0 {
        anyhow::bail!("--images and --runs must be at least 1");
    }
    let l = load(m)?;
    let s = samples(data, &l, images)?;
    let inputs: Vec<&[u8]> = s.iter().map(|s| s.rgb.as_slice()).collect();
    if let Some(batch) = gpu_batch {
        return bench_gpu(&l, &inputs, batch, runs, json);
    }
    let cpu = Cpu::new(&l.net);
    let th = l.th;
    // Paths that are compared take turns image by image, so a change in machine load hits them
    // alike; candle's (multi-threaded, cache-hungry) paths run in a phase of their own.
    let [st, dy] = static_vs_dynamic(&cpu, th, &singles(&inputs), runs)?;
    let (static_ms, dyn_ms, static_macs, dyn_macs) = (st.median_ms, dy.median_ms, st.macs, dy.macs);
    let (candle_ms, dense_ms) = if reference {
        let [c, d] =
            static_vs_dynamic(&crate::loaded::reference(&l)?, th, &singles(&inputs), runs)?;
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
        "{} batch-1 median latency over {} images x {runs} runs (native CPU, one thread of the CPU kernels):",
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

/// The static and the dynamic path of any executor, taking turns batch by batch.
fn static_vs_dynamic(
    exec: &impl Executor,
    th: Thresholds,
    batches: &[&[&[u8]]],
    runs: usize,
) -> Result<[Timed; 2]> {
    Ok(alternate(
        [&|x| exec.run_now(x, Mode::Static, th), &|x| {
            exec.run_now(x, Mode::Dynamic, th)
        }],
        batches,
        runs,
    )?)
}

/// The GPU executor on the same images: static and dynamic at batch 1 (one submission and one
/// readback per image), then at `batch` images per submission, each pair taking turns.
fn bench_gpu(l: &Loaded, inputs: &[&[u8]], batch: usize, runs: usize, json: bool) -> Result<()> {
    let single = gpu_model(l, 1)?;
    let batched = gpu_model(l, batch)?;
    let [s1, d1] = static_vs_dynamic(&single, l.th, &singles(inputs), runs)?;
    let batches: Vec<&[&[u8]]> = inputs.chunks(batch).collect();
    let [sb, db] = static_vs_dynamic(&batched, l.th, &batches, runs)?;
    let macs_ratio = db.macs / sb.macs;
    let time_ratio = db.mean_ms / sb.mean_ms;
    let speedup = d1.mean_ms / db.mean_ms;
    if json {
        println!(
            "{}",
            serde_json::json!({
                "model": l.card.name, "images": inputs.len(), "runs": runs, "batch": batch,
                "batch1_static_ms": s1.mean_ms, "batch1_dynamic_ms": d1.mean_ms,
                "batch_static_ms_per_image": sb.mean_ms, "batch_dynamic_ms_per_image": db.mean_ms,
                "static_macs": sb.macs, "dynamic_macs": db.macs,
                "batch_over_single_dynamic": speedup,
                "time_ratio": time_ratio, "macs_ratio": macs_ratio,
            })
        );
        return Ok(());
    }
    let per_s = |ms: f64| 1e3 / ms;
    println!(
        "{} on the GPU, {} images x {runs} runs (mean ms per image):",
        l.card.name,
        inputs.len()
    );
    println!(
        "  batch 1:  static {:.2} ms, dynamic {:.2} ms ({:.0} images/s)",
        s1.mean_ms,
        d1.mean_ms,
        per_s(d1.mean_ms)
    );
    println!(
        "  batch {batch}: static {:.3} ms, dynamic {:.3} ms ({:.0} images/s)",
        sb.mean_ms,
        db.mean_ms,
        per_s(db.mean_ms)
    );
    println!("  dynamic, batch {batch} vs batch 1: {speedup:.2}x the images/s");
    println!(
        "  dynamic/static at batch {batch}: time {time_ratio:.3}, MACs {macs_ratio:.3} ({} vs {}); time ratio / MACs ratio = {:.2}",
        mega(db.macs),
        mega(sb.macs),
        time_ratio / macs_ratio
    );
    Ok(())
}
