//! The WGSL source of every kernel: each is its `.wgsl` file after the shared parts it uses
//! (`conv_params.wgsl`: the convolution parameters; `selection.wgsl`: the lists of running images
//! and kept channels that `decide` writes).

pub(crate) const CONV1X1: &str = concat!(
    include_str!("conv_params.wgsl"),
    include_str!("conv1x1.wgsl")
);
pub(crate) const CONV3X3: &str = concat!(
    include_str!("conv_params.wgsl"),
    include_str!("selection.wgsl"),
    include_str!("conv3x3.wgsl")
);
pub(crate) const DECIDE: &str =
    concat!(include_str!("selection.wgsl"), include_str!("decide.wgsl"));
pub(crate) const GATE: &str = concat!(include_str!("selection.wgsl"), include_str!("gate.wgsl"));
pub(crate) const LINEAR: &str = include_str!("linear.wgsl");
pub(crate) const POOL: &str = include_str!("pool.wgsl");
pub(crate) const RESIDUAL: &str = concat!(
    include_str!("selection.wgsl"),
    include_str!("residual.wgsl")
);
