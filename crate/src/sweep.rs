//! Threshold sweeps: the settings behind the measured cost/accuracy curve (`lcnet curve`,
//! `lcnet record`) and the evaluation of each.

use serde::Serialize;

use crate::eval::EvalResult;
use crate::Thresholds;

/// Which threshold a curve point moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sweep {
    /// `tau_l = tau_c = t`.
    Both,
    /// `tau_l = t`, `tau_c = 0`.
    TauL,
    /// `tau_l = 0`, `tau_c = t`.
    TauC,
}

/// The settings of a curve over `grid`: every value for both thresholds together, then every
/// positive value for each alone (0 alone would repeat the `Both` point at 0).
pub fn settings(grid: &[f32]) -> Vec<(Sweep, Thresholds)> {
    let mut out: Vec<_> = grid
        .iter()
        .map(|&t| (Sweep::Both, Thresholds { tau_l: t, tau_c: t }))
        .collect();
    for &t in grid.iter().filter(|&&t| t > 0.0) {
        out.push((
            Sweep::TauL,
            Thresholds {
                tau_l: t,
                tau_c: 0.0,
            },
        ));
        out.push((
            Sweep::TauC,
            Thresholds {
                tau_l: 0.0,
                tau_c: t,
            },
        ));
    }
    out
}

/// Evaluates every setting of [`settings`] with `eval`, in order, stopping at the first error.
pub fn run<E>(
    grid: &[f32],
    mut eval: impl FnMut(Thresholds) -> Result<EvalResult, E>,
) -> Result<Vec<(Sweep, EvalResult)>, E> {
    settings(grid)
        .into_iter()
        .map(|(sweep, th)| Ok((sweep, eval(th)?)))
        .collect()
}
