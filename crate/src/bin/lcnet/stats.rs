//! `lcnet stats`: per-class behaviour, accuracy per cost bucket and example images, the data
//! behind the page's teaching views.

use std::path::Path;

use anyhow::{Context, Result};
use lcnet::Mode;
use serde::Serialize;

use crate::eval::{run_eval, Exec};
use crate::loaded::{load, samples, DataArgs, ModelArgs};

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

pub fn stats(
    m: &ModelArgs,
    d: &DataArgs,
    out: &Path,
    per_class: usize,
    examples_dir: Option<&Path>,
    buckets: usize,
) -> Result<()> {
    let l = load(m)?;
    let s = samples(&d.data, &l, d.limit)?;
    let (r, _) = run_eval(&l, &s, Mode::Dynamic, l.th, Exec::Cpu)?;
    let cfg = l.net.config();
    let mut examples = Vec::new();
    for i in lcnet::stats::examples(&r, cfg.num_classes, per_class) {
        let class = s[i].label;
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
        "confidence": lcnet::stats::confidence(&r),
        "dynamics": lcnet::dynamics::dynamics(&r.decisions),
        "examples": examples,
    });
    std::fs::write(out, serde_json::to_string_pretty(&report)? + "\n")?;
    eprintln!("wrote {}", out.display());
    Ok(())
}
