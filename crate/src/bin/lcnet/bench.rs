//! `lcnet bench`: batch-1 latency of the static and the dynamic path on the same images, and
//! optionally of candle's reference paths.

use std::path::Path;

use anyhow::Result;
use candle_core::Device;
use lcnet::bench::alternate;
use lcnet::exec::{cpu::Cpu, reference::Reference};
use lcnet::{Executor, Mode, Trace};

use crate::{load, mega, samples, ModelArgs};

pub fn bench(
    m: &ModelArgs,
    data: &Path,
    images: usize,
    runs: usize,
    reference: bool,
    json: bool,
) -> Result<()> {
    if images == 0 || runs == 0 {
        anyhow::bail!("--images and --runs must be at least 1");
    }
    let l = load(m)?;
    let s = samples(data, &l, images)?;
    let inputs: Vec<&[u8]> = s.iter().map(|s| s.rgb.as_slice()).collect();
    // One image through one executor, as `lcnet bench` times it.
    fn one(e: &impl Executor, mode: Mode, th: lcnet::Thresholds, x: &[u8]) -> lcnet::Result<Trace> {
        Ok(e.run(&[x], mode, th)?.remove(0))
    }
    let cpu = Cpu::new(&l.net);
    let th = l.th;
    // Paths that are compared take turns image by image, so a change in machine load hits them
    // alike; candle's (multi-threaded, cache-hungry) paths run in a phase of their own.
    let [st, dy] = alternate(
        [&|x| one(&cpu, Mode::Static, th, x), &|x| {
            one(&cpu, Mode::Dynamic, th, x)
        }],
        &inputs,
        runs,
    )?;
    let (static_ms, dyn_ms, static_macs, dyn_macs) = (st.median_ms, dy.median_ms, st.macs, dy.macs);
    let (candle_ms, dense_ms) = if reference {
        let r = Reference::new(&l.net, &Device::Cpu)?;
        let [c, d] = alternate(
            [&|x| one(&r, Mode::Static, th, x), &|x| {
                one(&r, Mode::Dynamic, th, x)
            }],
            &inputs,
            runs,
        )?;
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
