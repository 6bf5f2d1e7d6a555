// The layout of a block's selection buffer (`sel`), which `decide.wgsl` writes for a batch of
// images and the kernels of the block read; prepended to them by the Rust side (decide.rs).
//
// sel: [running, pairs, 0, 0,
//       runs[batch]               the indices of the images whose block runs, ascending,
//       pairs[batch * planes]     (image << 16 | slot) for every kept channel of a running image,
//       images[batch] of [count, ran, bits(l_gate), 0, kept[planes], bits(c_gate * l_gate)[planes]]]

const MAX_BATCH: u32 = 256u;

fn sel_run(i: u32) -> u32 {
    return 4u + i;
}

fn sel_pair(batch: u32, i: u32) -> u32 {
    return 4u + batch + i;
}

fn sel_image(batch: u32, planes: u32, image: u32) -> u32 {
    return 4u + batch + batch * planes + image * (4u + 2u * planes);
}
