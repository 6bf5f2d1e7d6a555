//! Loading a checkpoint into the network: name and shape checks against the config, then batch
//! norm folded into each convolution. candle reads the safetensors file and does the folding
//! arithmetic; what comes out is plain buffers ([`super::layers`]).

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use candle_core::{DType, Tensor};
use candle_nn::VarBuilder;

use super::layers::{Block, Conv, Dense, Gate, Gates};
use crate::trace::{self, BlockShape};
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
    let shapes = trace::block_shapes(cfg);
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
pub fn check_tensors(cfg: &Config, tensors: &HashMap<String, Tensor>) -> Result<WeightsDtype> {
    let expected = expected_tensors(cfg);
    let mut stored = None;
    for (name, shape) in &expected {
        let t = tensors.get(name).ok_or_else(|| {
            Error::Weights(format!(
                "tensor {name} is missing (is this the right weights file?)"
            ))
        })?;
        if t.dims() != shape.as_slice() {
            return Err(Error::Weights(format!(
                "tensor {name} has shape {:?}, the config needs {shape:?}",
                t.dims()
            )));
        }
        let dtype = stored_dtype(name, t)?;
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

/// A tensor's storage type on the way in from a weights file: f32, f16 or bf16.
fn stored_dtype(name: &str, t: &Tensor) -> Result<WeightsDtype> {
    match t.dtype() {
        DType::F32 => Ok(WeightsDtype::F32),
        DType::F16 => Ok(WeightsDtype::F16),
        DType::BF16 => Ok(WeightsDtype::Bf16),
        other => Err(Error::Weights(format!(
            "{name} is {other:?}, expected F32, F16 or BF16"
        ))),
    }
}

/// A tensor's values as a flat vector.
fn flat(t: &Tensor) -> Result<Vec<f32>> {
    Ok(t.flatten_all()?.to_vec1::<f32>()?)
}

/// A `k x k` convolution at `vb_conv` with the batch norm at `vb_bn` folded in.
pub(super) fn conv_bn(
    (c_in, c_out, k, stride): (usize, usize, usize, usize),
    eps: f64,
    vb_conv: VarBuilder,
    vb_bn: VarBuilder,
) -> Result<Conv> {
    let w = vb_conv.get((c_out, c_in, k, k), "weight")?;
    let gamma = vb_bn.get(c_out, "weight")?;
    let beta = vb_bn.get(c_out, "bias")?;
    let mean = vb_bn.get(c_out, "running_mean")?;
    let var = vb_bn.get(c_out, "running_var")?;
    let scale = (gamma / (var + eps)?.sqrt()?)?; // [C_out]
    let weight = w.broadcast_mul(&scale.reshape((c_out, 1, 1, 1))?)?;
    let bias = (beta - (mean * &scale)?)?;
    Ok(Conv {
        c_in,
        c_out,
        k,
        stride,
        weight: flat(&weight)?,
        bias: flat(&bias)?,
        winograd: OnceLock::new(),
    })
}

/// The linear layer at `vb`: `weight [n_out, n_in]`, `bias [n_out]`.
pub(super) fn dense(n_in: usize, n_out: usize, vb: VarBuilder) -> Result<Dense> {
    Ok(Dense {
        n_in,
        n_out,
        weight: flat(&vb.get((n_out, n_in), "weight")?)?,
        bias: flat(&vb.get(n_out, "bias")?)?,
    })
}

fn gate(c_in: usize, hidden: usize, out: usize, vb: VarBuilder) -> Result<Gate> {
    Ok(Gate {
        fc1: dense(c_in, hidden, vb.pp("fc1"))?,
        fc2: dense(hidden, out, vb.pp("fc2"))?,
    })
}

/// Block `index` of shape `s` at `vb` (`stage{s}.{position}`).
pub(super) fn block(cfg: &Config, index: usize, s: BlockShape, vb: VarBuilder) -> Result<Block> {
    let (c_in, p, eps) = (s.c_in, s.planes, cfg.bn_eps);
    let conv1 = conv_bn((c_in, p, 3, s.stride), eps, vb.pp("conv1"), vb.pp("bn1"))?;
    let conv2 = conv_bn((p, p, 3, 1), eps, vb.pp("conv2"), vb.pp("bn2"))?;
    let projection = if s.projection {
        let sc = vb.pp("shortcut");
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
            lnet: gate(c_in, h, 1, vb.pp("lnet"))?,
            cnet: gate(c_in, h, p, vb.pp("cnet"))?,
        })
    } else {
        None
    };
    Ok(Block {
        index,
        shape: s,
        cost: trace::block_cost(cfg, &s),
        conv1,
        conv2,
        projection,
        gates,
    })
}

/// A checkpoint's tensors, checked against `cfg` and widened to f32, as a VarBuilder, with the
/// type the file stored them in.
pub(super) fn checked(
    tensors: HashMap<String, Tensor>,
    cfg: &Config,
    device: &candle_core::Device,
) -> Result<(VarBuilder<'static>, WeightsDtype)> {
    cfg.validate()?;
    let stored = check_tensors(cfg, &tensors)?;
    let wide = tensors
        .into_iter()
        .map(|(name, t)| Ok((name, t.to_dtype(DType::F32)?)))
        .collect::<Result<HashMap<_, _>>>()?;
    Ok((VarBuilder::from_tensors(wide, DType::F32, device), stored))
}
