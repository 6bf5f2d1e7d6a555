//! MAC accounting against counts worked out by hand for a tiny config.

use lcnet::model::geometry::{block_cost, block_shapes, rest_macs, static_macs, BlockCost};
use lcnet::Config;

fn tiny() -> Config {
    let mut cfg = Config::cifar10(8, true);
    cfg.widths = vec![4, 8, 16];
    cfg.image_size = 8;
    cfg.gate_hidden = 2;
    cfg
}

#[test]
fn hand_computed_counts() {
    let cfg = tiny();
    // stem 3*4*9*(8*8) = 6912; classifier 16*10 = 160.
    assert_eq!(rest_macs(&cfg), 6912 + 160);
    let costs: Vec<BlockCost> = block_shapes(&cfg)
        .iter()
        .map(|s| block_cost(&cfg, s))
        .collect();
    // stage1.0: 4->4 at 8x8, identity shortcut. L-Net 4*2+2*1, C-Net 4*2+2*4,
    // one channel = (4+4)*9*64, static = 8*4*9*64.
    assert_eq!(
        costs[0],
        BlockCost {
            fixed: 10,
            cnet: 16,
            per_channel: 4608,
            static_macs: 18432
        }
    );
    // stage2.0: 4->8, stride 2 -> 4x4, projection 4*8*16 = 512.
    assert_eq!(
        costs[1],
        BlockCost {
            fixed: 512 + 10,
            cnet: 24,
            per_channel: 1728,
            static_macs: 512 + 13824
        }
    );
    // stage3.0: 8->16, stride 2 -> 2x2, projection 8*16*4 = 512.
    assert_eq!(
        costs[2],
        BlockCost {
            fixed: 512 + 18,
            cnet: 48,
            per_channel: 864,
            static_macs: 512 + 13824
        }
    );
    assert_eq!(static_macs(&cfg), 6912 + 160 + 18432 + 14336 + 14336);
    // Skipped, 3 of 8 kept, run with none kept.
    assert_eq!(costs[0].spent(false, 0), 10);
    assert_eq!(costs[1].spent(true, 3), 522 + 24 + 3 * 1728);
    assert_eq!(costs[2].spent(true, 0), 530 + 48);
}

#[test]
fn resnet56_static_count() {
    // The number PyTorch's accounting printed for the training run (weights/train/model.py).
    assert_eq!(static_macs(&Config::cifar10(56, false)), 125_747_840);
    assert_eq!(block_shapes(&Config::cifar10(56, true)).len(), 27);
    assert_eq!(block_shapes(&Config::cifar10(110, true)).len(), 54);
}

#[test]
fn static_config_has_no_gate_costs() {
    let mut cfg = tiny();
    cfg.gated = false;
    for s in block_shapes(&cfg) {
        let c = block_cost(&cfg, &s);
        assert_eq!(c.cnet, 0);
        assert_eq!(c.spent(true, s.planes), c.static_macs);
    }
}
