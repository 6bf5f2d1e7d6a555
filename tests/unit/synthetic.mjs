// A synthetic trace with the shape of crate/src/trace.rs, for any 6n+2 depth: block i is
// skipped when i % 3 == 1 and, in blocks that run, every fourth channel is skipped. MACs follow
// the cost split of `trace.rs` (stem and classifier left out: only sums are checked).

/**
 * @param {number} depth 6n+2
 * @param {{widths?: number[], tauL?: number, tauC?: number, gated?: boolean}} [o]
 */
export function syntheticTrace(depth, { widths = [16, 32, 64], tauL = 0, tauC = 0, gated = true } = {}) {
  const n = (depth - 2) / 6;
  const blocks = [];
  let cIn = widths[0];
  let size = 32;
  for (let stage = 0; stage < 3; stage++) {
    for (let position = 0; position < n; position++) {
      const index = blocks.length;
      const planes = widths[stage];
      const stride = stage > 0 && position === 0 ? 2 : 1;
      size /= stride;
      const ran = !gated || index % 3 !== 1;
      const cGates = gated && ran
        ? Array.from({ length: planes }, (_, k) => (k % 4 === 3 ? 0 : ((k * 37) % 100) / 100 + 0.005))
        : null;
      const kept = ran ? Array.from({ length: planes }, (_, k) => k).filter((k) => !cGates || cGates[k] > tauC) : [];
      const perChannel = (cIn + planes) * 9 * size * size;
      const staticMacs = perChannel * planes;
      blocks.push({
        index,
        stage,
        position,
        c_in: cIn,
        planes,
        stride,
        size_out: size,
        l_gate: gated ? (ran ? 0.5 + index / 100 : 0) : null,
        ran,
        c_gates: cGates,
        kept,
        macs: perChannel * kept.length,
        static_macs: staticMacs,
      });
      cIn = planes;
    }
  }
  const labels = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
  const probs = [0.02, 0.01, 0.05, 0.7, 0.03, 0.12, 0.04, 0.01, 0.01, 0.01];
  const order = probs.map((p, i) => [p, i]).sort((a, b) => b[0] - a[0]).map(([, i]) => i);
  const cp = (i) => ({ class: i, label: labels[i], prob: probs[i] });
  const sum = (f) => blocks.reduce((s, b) => s + f(b), 0);
  return {
    prediction: cp(order[0]),
    top5: order.slice(0, 5).map(cp),
    logits: probs.map(Math.log),
    tau_l: tauL,
    tau_c: tauC,
    blocks,
    macs: sum((b) => b.macs),
    static_macs: sum((b) => b.static_macs),
    blocks_run: blocks.filter((b) => b.ran).length,
    channels_kept: sum((b) => b.kept.length),
    channels_total: sum((b) => b.planes),
  };
}
