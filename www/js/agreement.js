// How far two executors' traces of the same images agree: the check of the page's real-skipping
// executor against the reference (candle, dense masked). Pure functions, no DOM.

/**
 * Whether two traces of one image made the same decisions: every block ran (or not) in both,
 * with the same channels computed.
 * @param {{blocks: Array<{ran: boolean, kept: number[]}>}} a
 * @param {{blocks: Array<{ran: boolean, kept: number[]}>}} b
 * @returns {number} the index of the first block that differs, -1 when none does
 */
export function firstDifferentBlock(a, b) {
  if (a.blocks.length !== b.blocks.length) return 0;
  return a.blocks.findIndex((x, i) => {
    const y = b.blocks[i];
    return x.ran !== y.ran || x.kept.length !== y.kept.length || x.kept.some((k, j) => k !== y.kept[j]);
  });
}

/**
 * The agreement of two lists of traces of the same images, image by image.
 * @param {object[]} a traces of one executor
 * @param {object[]} b traces of the other, in the same order
 * @returns {{images: number, decisions_equal: number, predictions_equal: number,
 *   max_logit_diff: number, first_difference: {image: number, block: number}|null}}
 */
export function agreement(a, b) {
  if (a.length !== b.length) throw new Error(`${a.length} traces against ${b.length}: not the same images`);
  let decisions = 0;
  let predictions = 0;
  let maxDiff = 0;
  let first = null;
  a.forEach((x, i) => {
    const y = b[i];
    const block = firstDifferentBlock(x, y);
    if (block < 0) decisions += 1;
    else if (!first) first = { image: i, block };
    if (x.prediction.class === y.prediction.class) predictions += 1;
    if (x.logits.length !== y.logits.length) maxDiff = Infinity;
    x.logits.forEach((l, k) => {
      maxDiff = Math.max(maxDiff, Math.abs(l - y.logits[k]));
    });
  });
  return {
    images: a.length,
    decisions_equal: decisions,
    predictions_equal: predictions,
    max_logit_diff: maxDiff,
    first_difference: first,
  };
}
