//! The bodies of the fuzz targets (`fuzz/`), here so that the regression test
//! (`crate/tests/fuzz_inputs.rs`) replays exactly what the fuzzer ran. Each takes arbitrary bytes
//! and panics only on a broken invariant.

use crate::exec::{cpu::Cpu, Executor, Mode};
use crate::{preprocess, LcNet, Thresholds};

/// The network input side the targets prepare for (CIFAR's).
const SIZE: usize = 32;

/// `bytes` as an uploaded file: an error, or an image of the network's size.
pub fn prepare(bytes: &[u8]) {
    if let Ok(p) = preprocess::prepare(bytes, SIZE) {
        assert_eq!(p.rgb.len(), SIZE * SIZE * 3, "prepared image size");
        assert!(p.source_width > 0 && p.source_height > 0);
    }
}

/// `card JSON, 0x00, safetensors bytes` (no 0x00: all of it is the card): an error, or a
/// network that classifies a grey image into a trace with one entry per block.
pub fn weights(data: &[u8]) {
    let (card, weights) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let Ok((net, card)) = LcNet::from_card_and_bytes(&String::from_utf8_lossy(card), weights)
    else {
        return;
    };
    let s = card.config.image_size;
    let grey = vec![128u8; s * s * 3];
    let th = Thresholds::from_config(&card.config);
    let traces = Cpu::new(&net)
        .run_now(&[&grey], Mode::Dynamic, th)
        .expect("a loaded network runs");
    assert_eq!(traces[0].blocks.len(), net.blocks().len());
}
