//! `lcnet classify`: prediction, top-5, blocks and channels run, MACs of image files.

use std::path::PathBuf;

use anyhow::{bail, Result};
use lcnet::exec::cpu::Cpu;
use lcnet::{preprocess, Executor, Trace};
use serde::Serialize;

use crate::loaded::{load, mega, ModelArgs};

#[derive(Serialize)]
struct Classified {
    file: String,
    prepared: preprocess::Prepared,
    trace: Trace,
}

pub fn classify(m: &ModelArgs, json: bool, images: &[PathBuf]) -> Result<()> {
    let l = load(m)?;
    let cpu = Cpu::new(&l.net);
    let mut out = Vec::new();
    let mut failed = 0;
    for path in images {
        let result = std::fs::read(path)
            .map_err(anyhow::Error::from)
            .and_then(|b| Ok(preprocess::prepare(&b, l.net.config().image_size)?))
            .and_then(|p| Ok((cpu.classify(&p, l.th)?, p)));
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
