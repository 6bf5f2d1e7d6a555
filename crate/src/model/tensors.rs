//! A weights file's tensors as plain f32 buffers: safetensors bytes parsed by the `safetensors`
//! crate, 16-bit numbers widened. No candle here, so the browser build does not carry it.

use std::collections::HashMap;

use safetensors::{Dtype, SafeTensors};

use crate::{Error, Result, WeightsDtype};

/// One tensor of a weights file.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub shape: Vec<usize>,
    /// How the file stored the numbers.
    pub dtype: WeightsDtype,
    /// The values widened to f32, row-major.
    pub values: Vec<f32>,
}

/// Every tensor of a weights file, by name.
pub type Tensors = HashMap<String, Stored>;

/// Reads safetensors bytes: f32, f16 and bf16 tensors; another number type is refused by name.
pub fn read(bytes: &[u8]) -> Result<Tensors> {
    let st = SafeTensors::deserialize(bytes)
        .map_err(|e| Error::Weights(format!("not a readable safetensors file: {e}")))?;
    st.tensors()
        .into_iter()
        .map(|(name, view)| {
            let data = view.data();
            let (dtype, values) = match view.dtype() {
                Dtype::F32 => (WeightsDtype::F32, widen(data, f32::from_le_bytes)),
                Dtype::F16 => (
                    WeightsDtype::F16,
                    widen(data, |b| half::f16::from_le_bytes(b).to_f32()),
                ),
                Dtype::BF16 => (
                    WeightsDtype::Bf16,
                    widen(data, |b| half::bf16::from_le_bytes(b).to_f32()),
                ),
                other => {
                    return Err(Error::Weights(format!(
                        "{name} is {other:?}, expected F32, F16 or BF16"
                    )))
                }
            };
            let shape = view.shape().to_vec();
            Ok((
                name,
                Stored {
                    shape,
                    dtype,
                    values,
                },
            ))
        })
        .collect()
}

/// Little-endian numbers of `N` bytes each, as f32.
fn widen<const N: usize>(data: &[u8], f: impl Fn([u8; N]) -> f32) -> Vec<f32> {
    data.chunks_exact(N)
        .map(|b| f(b.try_into().unwrap()))
        .collect()
}

/// Tensor `name`, which must be there with `shape`.
pub(super) fn lookup<'a>(tensors: &'a Tensors, name: &str, shape: &[usize]) -> Result<&'a Stored> {
    let t = tensors.get(name).ok_or_else(|| {
        Error::Weights(format!(
            "tensor {name} is missing (is this the right weights file?)"
        ))
    })?;
    if t.shape != shape {
        return Err(Error::Weights(format!(
            "tensor {name} has shape {:?}, the config needs {shape:?}",
            t.shape
        )));
    }
    Ok(t)
}

/// The tensors under one name prefix (`stage2.0.conv1`), as PyTorch's module paths nest.
#[derive(Clone)]
pub(super) struct Scope<'a> {
    tensors: &'a Tensors,
    prefix: String,
}

impl<'a> Scope<'a> {
    pub fn root(tensors: &'a Tensors) -> Self {
        Self {
            tensors,
            prefix: String::new(),
        }
    }

    /// The scope one level down: `prefix.name`.
    pub fn pp(&self, name: impl std::fmt::Display) -> Self {
        Self {
            tensors: self.tensors,
            prefix: self.name(name),
        }
    }

    /// The values of tensor `name` in this scope, which must have `shape`.
    pub fn get(&self, name: &str, shape: &[usize]) -> Result<&'a [f32]> {
        Ok(&lookup(self.tensors, &self.name(name), shape)?.values)
    }

    fn name(&self, name: impl std::fmt::Display) -> String {
        if self.prefix.is_empty() {
            name.to_string()
        } else {
            format!("{}.{name}", self.prefix)
        }
    }
}
