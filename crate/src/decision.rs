//! What the gates decide, in one place for every executor: thresholds, the per-block
//! [`Decision`], and how gate values become one (LC-Net, Xia et al. 2020, arXiv:2007.15151:
//! a gate at or below its threshold skips its block or channel; a kept one scales it).

use crate::config::EmptyBlock;
use crate::Config;

/// Gate thresholds: a gate `<= tau` is skipped.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub tau_l: f32,
    pub tau_c: f32,
}

impl Thresholds {
    /// The model card's defaults.
    pub fn from_config(cfg: &Config) -> Self {
        Self {
            tau_l: cfg.tau_l,
            tau_c: cfg.tau_c,
        }
    }
}

/// What the gates decided for one image in one block.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// The L-gate; `None` when no gating network ran (a static model or the static mode).
    pub l_gate: Option<f32>,
    pub ran: bool,
    /// The C-gates; `None` when the block was skipped or has no gates.
    pub c_gates: Option<Vec<f32>>,
    /// The computed inner channels, ascending.
    pub kept: Vec<usize>,
}

impl Decision {
    /// Every channel of a `planes`-channel block, no gates (the static network).
    pub fn all_kept(planes: usize) -> Self {
        Self {
            l_gate: None,
            ran: true,
            c_gates: None,
            kept: (0..planes).collect(),
        }
    }

    /// The decision for gate values `l_gate` (`None`: no gates) and `c_gates` (read only when
    /// the L-gate lets the block run) of a `planes`-channel block. With [`EmptyBlock::Skip`] a
    /// block whose C-gates are all closed is skipped, its C-gates kept (its C-Net ran).
    pub fn from_gates(
        planes: usize,
        l_gate: Option<f32>,
        c_gates: Option<Vec<f32>>,
        th: Thresholds,
        empty: EmptyBlock,
    ) -> Self {
        let open = l_gate.is_none_or(|g| g > th.tau_l);
        let c_gates = if open { c_gates } else { None };
        let kept: Vec<usize> = match (&c_gates, open) {
            (_, false) => vec![],
            (Some(c), true) => (0..c.len()).filter(|&i| c[i] > th.tau_c).collect(),
            (None, true) => (0..planes).collect(),
        };
        let ran = open && !(empty == EmptyBlock::Skip && kept.is_empty() && c_gates.is_some());
        Self {
            l_gate,
            ran,
            c_gates,
            kept,
        }
    }

    /// Whether the block's C-Net ran (its L-gate was open), whatever it then decided.
    pub fn c_net_ran(&self) -> bool {
        self.c_gates.is_some()
    }
}
