//! Loading a checkpoint into the network: name and shape checks against the config, then batch
//! norm folded into each convolution, in f32 on the tensors of [`super::tensors`]; what comes
//! out is plain buffers ([`super::layers`]).

use std::collections::HashSet;
use std::sync::OnceLock;

use super::geometry::{self, BlockShape};
use super::layers::{Block, Conv, Dense, Gate, Gates};
use super::tensors::{lookup, Scope, Tensors};
use crate::{Config, Error, Result, WeightsDtype};

/// Every tensor a checkpoint for `cfg` must hold, with its shape.
pub fn expected_tensors(cfg: &Config) -> Vec<(String, Vec<usize>)> {
    let mut out = Vec::new();
    let mut conv_bn = |conv: String, bn: String, c_in: usize, c_out: usize, k: usize| {
        out.push((format!("{conv}.weight"), vec![c_out, c_in, k, k]));
        for p in ["weight", "bias", "running_mean", "running_var"] {
            out.push((format!("{bn}.{p}"), vec![c_out]));
        }
    };
    conv_bn("stem.conv".into(), "stem.bn".into(), 3, cfg.widths[0], 3);
    let shapes = geometry::block_shapes(cfg);
    for s in &shapes {
        let pre = format!("stage{}.{}", s.stage + 1, s.position);
        conv_bn(
            format!("{pre}.conv1"),
            format!("{pre}.bn1"),
            s.c_in,
            s.planes,
            3,
        );
        conv_bn(
            format!("{pre}.conv2"),
            format!("{pre}.bn2"),
            s.planes,
            s.planes,
            3,
        );
        if s.projection {
            let sc = format!("{pre}.shortcut");
            conv_bn(
                format!("{sc}.conv"),
                format!("{sc}.bn"),
                s.c_in,
                s.planes,
                1,
            );
        }
    }
    for s in &shapes {
        let pre = format!("stage{}.{}", s.stage + 1, s.position);
        if cfg.gated {
            let h = cfg.gate_hidden;
            for (net, out_dim) in [("lnet", 1), ("cnet", s.planes)] {
                out.push((format!("{pre}.{net}.fc1.weight"), vec![h, s.c_in]));
                out.push((format!("{pre}.{net}.fc1.bias"), vec![h]));
                out.push((format!("{pre}.{net}.fc2.weight"), vec![out_dim, h]));
                out.push((format!("{pre}.{net}.fc2.bias"), vec![out_dim]));
            }
        }
    }
    out.push(("fc.weight".into(), vec![cfg.num_classes, cfg.widths[2]]));
    out.push(("fc.bias".into(), vec![cfg.num_classes]));
    out
}

/// Checks names, shapes and dtypes of a checkpoint against `cfg`, naming the first offender.
/// Returns how the file stores its numbers: f32, f16 or bf16, the same for every tensor.
pub fn check_tensors(cfg: &Config, tensors: &Tensors) -> Result<WeightsDtype> {
    let expected = expected_tensors(cfg);
    let mut stored = None;
    for (name, shape) in &expected {
        let dtype = lookup(tensors, name, shape)?.dtype;
        match stored {
            None => stored = Some(dtype),
            Some(first) if first != dtype => {
                return Err(Error::Weights(format!(
                    "tensor {name} is {}, the tensors before it are {} \
                     (a file mixes number types: is it damaged?)",
                    dtype.name(),
                    first.name()
                )))
            }
            Some(_) => {}
        }
    }
    let names: HashSet<&str> = expected.iter().map(|(n, _)| n.as_str()).collect();
    let mut extra: Vec<&String> = tensors
        .keys()
        .filter(|k| !names.contains(k.as_str()))
        .collect();
    extra.sort();
    if let Some(name) = extra.first() {
        return Err(Error::Weights(format!(
            "unexpected tensor {name} ({} unexpected in all; is this the right weights file?)",
            extra.len()
        )));
    }
    Ok(stored.unwrap_or_default())
}

/// A `k x k` convolution at `conv` with the batch norm at `bn` folded in:
/// `w * s` and `beta - mean * s` with `s = gamma / sqrt(var + eps)`, in f32.
pub(super) fn conv_bn(
    (c_in, c_out, k, stride): (usize, usize, usize, usize),
    eps: f64,
    conv: Scope,
    bn: Scope,
) -> Result<Conv> {
    let w = conv.get("weight", &[c_out, c_in, k, k])?;
    let [gamma, beta, mean, var] =
        ["weight", "bias", "running_mean", "running_var"].map(|p| bn.get(p, &[c_out]));
    let (gamma, beta, mean, var) = (gamma?, beta?, mean?, var?);
    let scale: Vec<f32> = gamma
        .iter()
        .zip(var)
        .map(|(g, v)| g / (v + eps as f32).sqrt())
        .collect();
    let per_filter = c_in * k * k;
    Ok(Conv {
        c_in,
        c_out,
        k,
        stride,
        weight: w
            .iter()
            .enumerate()
            .map(|(i, w)| w * scale[i / per_filter])
            .collect(),
        bias: (0..c_out).map(|o| beta[o] - mean[o] * scale[o]).collect(),
        winograd: OnceLock::new(),
    })
}

/// The linear layer at `at`: `weight [n_out, n_in]`, `bias [n_out]`.
pub(super) fn dense(n_in: usize, n_out: usize, at: Scope) -> Result<Dense> {
    Ok(Dense {
        n_in,
        n_out,
        weight: at.get("weight", &[n_out, n_in])?.to_vec(),
        bias: at.get("bias", &[n_out])?.to_vec(),
    })
}

fn gate(c_in: usize, hidden: usize, out: usize, at: Scope) -> Result<Gate> {
    Ok(Gate {
        fc1: dense(c_in, hidden, at.pp("fc1"))?,
        fc2: dense(hidden, out, at.pp("fc2"))?,
    })
}

/// Block `index` of shape `s` at `at` (`stage{s}.{position}`).
pub(super) fn block(cfg: &Config, index: usize, s: BlockShape, at: Scope) -> Result<Block> {
    let (c_in, p, eps) = (s.c_in, s.planes, cfg.bn_eps);
    let conv1 = conv_bn((c_in, p, 3, s.stride), eps, at.pp("conv1"), at.pp("bn1"))?;
    let conv2 = conv_bn((p, p, 3, 1), eps, at.pp("conv2"), at.pp("bn2"))?;
    let projection = if s.projection {
        let sc = at.pp("shortcut");
        Some(conv_bn(
            (c_in, p, 1, s.stride),
            eps,
            sc.pp("conv"),
            sc.pp("bn"),
        )?)
    } else {
        None
    };
    let gates = if cfg.gated {
        let h = cfg.gate_hidden;
        Some(Gates {
            lnet: gate(c_in, h, 1, at.pp("lnet"))?,
            cnet: gate(c_in, h, p, at.pp("cnet"))?,
        })
    } else {
        None
    };
    Ok(Block {
        index,
        shape: s,
        cost: geometry::block_cost(cfg, &s),
        conv1,
        conv2,
        projection,
        gates,
    })
}
