// Unit tests of www/js/teach.js: the curve, compare, heatmap, example and bucket views are built
// from the data files only, and the marked setting follows the thresholds.

import test from 'node:test';
import assert from 'node:assert/strict';

import * as T from '../../www/js/teach.js';
import * as V from '../../www/js/view.js';
import { walk } from '../../www/js/draw.js';
import { syntheticTrace } from './synthetic.mjs';

// A card whose curve has the shape `lcnet record` writes (f32 thresholds, three sweeps).
function card() {
  const f32 = (x) => Math.fround(x);
  const curve = [];
  const pt = (sweep, l, c, accuracy, macs) => curve.push({
    sweep, tau_l: f32(l), tau_c: f32(c), accuracy, macs_ratio: macs, images: 10000,
  });
  pt('both', 0, 0, 0.91, 0.40);
  pt('both', 0.1, 0.1, 0.89, 0.30);
  pt('both', 0.2, 0.2, 0.80, 0.20);
  pt('tau_l', 0.1, 0, 0.90, 0.35);
  pt('tau_l', 0.2, 0, 0.86, 0.28);
  pt('tau_c', 0, 0.1, 0.905, 0.36);
  pt('tau_c', 0, 0.2, 0.88, 0.31);
  return {
    name: 'lcnet-test',
    config: { depth: 20 },
    results: { rust: { curve, static_baseline: { result: { accuracy: 0.92, macs_ratio: 1 } } } },
  };
}

function nodes(tree, pred) {
  const out = [];
  walk(tree, (n) => {
    if (pred(n)) out.push(n);
  });
  return out;
}

test('curveView groups the sweeps and marks a measured setting exactly', () => {
  const cv = T.curveView(card(), 0.1, 0.1);
  assert.deepEqual(cv.series.map((s) => s.id), ['both', 'tau_l', 'tau_c']);
  // The single-knob sweeps start at the joint sweep's origin.
  assert.equal(cv.series[1].points.length, 3);
  assert.equal(cv.series[1].points[0].x, 0.40);
  assert.equal(cv.marker.exact, true);
  assert.equal(cv.marker.x, 0.30);
  assert.equal(cv.marker.y, 0.89);
  assert.match(cv.marker.text, /89\.0% accuracy at 30% of the static MACs on 10,000 test images/);
  assert.equal(cv.baseline.y, 0.92);
  assert.ok(cv.yMin <= 0.8 && cv.yMax >= 0.92);
});

test('curveView moves the marker with the thresholds and says when a setting was not measured', () => {
  const a = T.curveView(card(), 0.2, 0);
  assert.equal(a.marker.exact, true);
  assert.equal(a.marker.x, 0.28);
  const b = T.curveView(card(), 0.13, 0.04);
  assert.equal(b.marker.exact, false);
  assert.equal(b.marker.tauL.toFixed(2), '0.10');
  assert.equal(b.marker.tauC.toFixed(2), '0.00');
  assert.equal(b.marker.x, 0.35);
  assert.match(b.marker.text, /was not measured; the ring marks the nearest measured setting/);
});

test('curveView returns null for a card without a measured curve', () => {
  assert.equal(T.curveView({ results: { pytorch: { accuracy: 0.9 } } }, 0, 0), null);
  assert.equal(T.curveView({}, 0, 0), null);
});

test('curveTree draws one polyline per sweep and the marker inside the plot', () => {
  const tree = T.curveTree(T.curveView(card(), 0, 0.2));
  assert.equal(tree.tag, 'svg');
  assert.equal(nodes(tree, (n) => n.tag === 'polyline').length, 3);
  const circles = nodes(tree, (n) => n.tag === 'circle' && n.attrs['data-tau-l'] !== undefined);
  assert.equal(circles.length, 3 + 3 + 3);
  const [marker] = nodes(tree, (n) => n.attrs.class && n.attrs.class.startsWith('marker'));
  assert.equal(marker.attrs['data-exact'], 'true');
  assert.equal(Number(marker.attrs['data-x']), 0.31);
  const ring = marker.children.find((c) => c.tag === 'circle');
  const [x, y] = [Number(ring.attrs.cx), Number(ring.attrs.cy)];
  assert.ok(x >= T.CURVE_BOX.left && x <= T.CURVE_BOX.width - T.CURVE_BOX.right);
  assert.ok(y >= T.CURVE_BOX.top && y <= T.CURVE_BOX.height - T.CURVE_BOX.bottom);
});

test('compareView aligns two traces block by block and states the cost difference', () => {
  const a = syntheticTrace(20);
  const b = syntheticTrace(20, { tauC: 0.5 });
  const cv = T.compareView({ name: 'a.png', trace: a }, { name: 'b.png', trace: b });
  assert.equal(cv.blocks.length, 9);
  for (const [i, x] of cv.blocks.entries()) {
    assert.equal(x.a.kept, a.blocks[i].kept.length);
    assert.equal(x.b.kept, b.blocks[i].kept.length);
    assert.equal(x.differs, a.blocks[i].kept.length !== b.blocks[i].kept.length);
  }
  assert.ok(b.macs < a.macs);
  assert.match(cv.diffText, /^A \(a\.png\) costs (\d+)% of the static network’s MACs, B \(b\.png\) (\d+)%: A costs \d\.\d\d× as much \(.* MACs more\)\.$/);
  const pct = (t) => `${Math.round((100 * t.macs) / t.static_macs)}%`;
  assert.match(cv.diffText, new RegExp(`costs ${pct(a)} of .* B \\(b\\.png\\) ${pct(b)}:`));
  assert.match(cv.diffText, new RegExp(`${(a.macs / b.macs).toFixed(2)}× as much`));
  assert.equal(cv.same, cv.blocks.filter((x) => !x.differs).length);
  // Run/skip differences and channel-count differences are counted apart.
  assert.equal(cv.runDiffers, cv.blocks.filter((x) => x.a.ran !== x.b.ran).length);
  assert.equal(cv.keptDiffers, cv.blocks.filter((x) => x.a.ran && x.b.ran && x.a.kept !== x.b.kept).length);
  assert.match(cv.sameText, new RegExp(`^Run or skipped: different in ${cv.runDiffers} of 9 blocks\\. Of the \\d+ blocks both ran, ${cv.keptDiffers} computed`));
  const tree = T.compareTree(cv, { a: 'a.png', b: 'b.png' });
  const cells = nodes(tree, (n) => n.attrs.class && n.attrs.class.startsWith('cmp-cell'));
  assert.equal(cells.length, 18);
  assert.equal(cells.filter((c) => c.attrs['data-side'] === 'a').length, 9);
  const same = T.compareView({ name: 'x', trace: a }, { name: 'y', trace: a });
  assert.equal(same.diffText, 'Both images cost the same.');
  assert.equal(same.same, 9);
});

// The shape `lcnet stats` writes, for a depth-8 model (3 blocks) and 10 classes.
function stats() {
  const labels = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
  const blocks = [0, 1, 2].map((i) => ({ index: i, stage: i, position: 0, planes: [16, 32, 64][i], static_macs: 1000 }));
  const classes = labels.map((label, c) => ({
    class: c, label, images: 1000, accuracy: 0.5 + c / 40, mean_macs: 3000,
    run_rate: [1, c / 10, 0.5], mean_kept: [8, 16 * (c / 10), 0], empty_rate: [0, 0, 0.5],
  }));
  const examples = [];
  for (let c = 0; c < 10; c++) {
    for (let j = 0; j < 2; j++) {
      examples.push({
        file: `${labels[c]}-${j}.png`, source: `test/${labels[c]}/000${j}.jpg`, class: c,
        prediction: j === 1 && c === 3 ? 5 : c, macs: 1000 + 100 * c + 500 * j, ran: [true, j === 1, false], kept: [8, j ? 4 : 0, 0],
      });
    }
  }
  return {
    model: 'lcnet-test', images: 10000, tau_l: 0, tau_c: 0, accuracy: 0.6, mean_macs: 2000, static_macs: 4000,
    blocks, classes, examples,
    cost_buckets: [
      { macs_lo: 1000, macs_hi: 1500, images: 5000, accuracy: 0.9 },
      { macs_lo: 1500, macs_hi: 3000, images: 5000, accuracy: 0.3 },
    ],
  };
}

test('heatmapView has one row per class and one cell per block, from the stats only', () => {
  const s = stats();
  const run = T.heatmapView(s, 'run');
  assert.equal(run.rows.length, 10);
  assert.ok(run.rows.every((r) => r.cells.length === 3));
  assert.equal(run.rows[3].cells[1].value, 0.3);
  const kept = T.heatmapView(s, 'kept');
  assert.equal(kept.rows[5].cells[1].value, 0.25);
  assert.match(kept.rows[5].cells[1].text, /8\.0 of 32 channels computed for dog/);
  const tree = T.heatmapTree(run, { class: 3, block: 1 });
  const cells = nodes(tree, (n) => n.tag === 'button');
  assert.equal(cells.length, 30);
  assert.equal(cells.filter((c) => c.attrs.tabindex === '0').length, 1, 'one tab stop per table');
  const sel = cells.filter((c) => c.attrs['aria-pressed'] === 'true');
  assert.deepEqual(sel.map((c) => [c.attrs['data-class'], c.attrs['data-block']]), [['3', '1']]);
});

test('statsProblem refuses stats of another model', () => {
  const s = stats();
  assert.equal(T.statsProblem(s, { name: 'lcnet-test', config: { depth: 8 } }), null);
  assert.match(T.statsProblem(s, { name: 'other', config: { depth: 8 } }), /describes lcnet-test, not the loaded other/);
  assert.match(T.statsProblem(s, { name: 'lcnet-test', config: { depth: 20 } }), /3 blocks, the model 9/);
  assert.match(T.statsProblem({}, { name: 'x', config: { depth: 8 } }), /no per-class table/);
});

test('examplesView sorts by cost or class and filters to a class with a block state', () => {
  const s = stats();
  const byCost = T.examplesView(s, { sort: 'cost' });
  assert.equal(byCost.length, 20);
  for (let i = 1; i < byCost.length; i++) assert.ok(byCost[i - 1].macs <= byCost[i].macs);
  const byClass = T.examplesView(s, { sort: 'class' });
  for (let i = 1; i < byClass.length; i++) assert.ok(byClass[i - 1].class <= byClass[i].class);
  const cats = T.examplesView(s, { classIndex: 3, block: 1 });
  assert.deepEqual(cats.map((e) => e.blockRan), [false, true]);
  assert.equal(cats[1].correct, false);
  assert.equal(cats[1].predLabel, 'dog');
  const tree = T.examplesTree(cats, 'stats/');
  const buttons = nodes(tree, (n) => n.tag === 'button');
  assert.deepEqual(buttons.map((b) => b.attrs['data-block-ran']), ['false', 'true']);
  assert.match(buttons[1].attrs.class, /example-wrong/);
});

test('bucketsView reports accuracy per cost bucket from cheapest to costliest', () => {
  const bv = T.bucketsView(stats());
  assert.deepEqual(bv.bars.map((b) => b.pct), [90, 30]);
  assert.equal(bv.bars[0].range, '25%–38%');
  assert.match(bv.summary, /spent least on \(25%–38% of static\) are 90\.0% correct; the 5000 it spent most on \(38%–75%\) 30\.0%/);
  const tree = T.bucketsTree(bv);
  assert.equal(nodes(tree, (n) => n.attrs.class === 'bucket').length, 2);
});

test('one measurement prints the same everywhere: header, curve, class note, bucket summary', () => {
  // The model's own setting measured once (accuracy 86.72%, 37.08% of the static MACs), as the
  // card (`lcnet record`) and stats.json (`lcnet stats`) both carry it.
  const accuracy = 0.8672;
  const ratio = 0.3708;
  const c = card();
  c.config = { depth: 8, gated: true, num_classes: 10 };
  c.results.rust.dynamic = { accuracy, macs_ratio: ratio };
  c.results.rust.curve.push({ sweep: 'both', tau_l: 0, tau_c: 0, accuracy, macs_ratio: ratio, images: 10000 });
  c.results.rust.curve = c.results.rust.curve.filter((p) => p.tau_l || p.tau_c || p.accuracy === accuracy);
  const s = { ...stats(), accuracy, mean_macs: ratio * 4000, measured_by: 'lcnet stats' };
  const texts = {
    header: V.modelSummary(c),
    curve: T.curveView(c, 0, 0).marker.text,
    note: T.statsNoteText(s),
    buckets: T.bucketsView(s).summary,
  };
  for (const [where, text] of Object.entries(texts)) {
    assert.ok(text.includes('86.7%'), `${where}: ${text}`);
    assert.ok(text.includes('37%'), `${where}: ${text}`);
    assert.ok(!/\b87%|86\.72%|37\.1%/.test(text), `${where} prints the measurement another way: ${text}`);
  }
});

test('sliderRange spends the travel where the measured curve changes, in measured steps', () => {
  const c = card();
  const f32 = (x) => Math.fround(x);
  c.config.num_classes = 10;
  // τC alone collapses at 0.3 (halfway from 90.5%... to chance is about 50%), 0.5 is beyond.
  for (const [t, acc] of [[0.3, 0.4], [0.5, 0.1], [0.25, 0.7]]) {
    c.results.rust.curve.push({ sweep: 'tau_c', tau_l: 0, tau_c: f32(t), accuracy: acc, macs_ratio: 0.1, images: 10000 });
  }
  assert.deepEqual(T.sliderRange(c, 'tau_c'), { min: 0, max: 0.3, step: 0.05 });
  // τL never falls that far: the slider reaches its last measured value.
  assert.deepEqual(T.sliderRange(c, 'tau_l'), { min: 0, max: 0.2, step: 0.1 });
  // A coarser grid before the fall (0.3, then 0.5): the travel ends at 0.3, the last value the
  // steps of 0.05 reach on measured settings.
  for (const [t, acc] of [[0.3, 0.85], [0.5, 0.2], [0.25, 0.86]]) {
    c.results.rust.curve.push({ sweep: 'tau_l', tau_l: f32(t), tau_c: 0, accuracy: acc, macs_ratio: 0.1, images: 10000 });
  }
  assert.deepEqual(T.sliderRange(c, 'tau_l'), { min: 0, max: 0.3, step: 0.05 });
  // The model's own threshold stays reachable.
  c.config.tau_l = 0.35;
  assert.equal(T.sliderRange(c, 'tau_l').max, 0.35);
  // No measured curve: no range (the page falls back to theme.js THRESHOLDS).
  assert.equal(T.sliderRange({ config: {}, results: {} }, 'tau_l'), null);
});

test('tourSettings picks, per knob, the highest measured threshold within a point of τ = 0', () => {
  // τL alone: 0.1 costs one point (91% -> 90%), 0.2 five; τC alone: 0.1 half a point, 0.2 three.
  assert.deepEqual(T.tourSettings(card()), { tauL: 0.1, tauC: 0.1 });
  const c = card();
  c.results.rust.curve = c.results.rust.curve.filter((p) => p.sweep !== 'tau_c');
  assert.deepEqual(T.tourSettings(c), { tauL: 0.1, tauC: null });
});

test('points measured in this browser are drawn on the curve and in its legend', () => {
  const own = [{ accuracy: 0.9, macs_ratio: 0.33, tau_l: 0.1, tau_c: 0, images: 500 }];
  const cv = T.curveView(card(), 0, 0, own);
  assert.equal(cv.measured.length, 1);
  assert.match(cv.measured[0].title, /^Measured in this browser on 500 test images: τL 0\.10, τC 0\.00: 90\.0% accuracy at 33%/);
  const tree = T.curveTree(cv);
  const marks = nodes(tree, (n) => n.tag === 'path' && n.attrs['data-images'] === '500');
  assert.equal(marks.length, 1);
  assert.equal(marks[0].attrs['data-y'], '0.9000');
  const legend = JSON.stringify(T.curveLegendTree(cv));
  assert.match(legend, /measured in this browser/);
  assert.doesNotMatch(JSON.stringify(T.curveLegendTree(T.curveView(card(), 0, 0))), /measured in this browser/);
});

test('without smaller static networks the curve says the comparison is not measured', () => {
  const cv = T.curveView(card(), 0, 0);
  assert.equal(cv.frontier, null);
  assert.match(cv.frontierText, /^Not measured/);
  assert.equal(nodes(T.curveTree(cv), (n) => n.attrs && n.attrs.class === 'frontier').length, 0);
});

test('the frontier of smaller static networks is drawn and LC-Net placed against it', () => {
  const c = card();
  c.results.rust.frontier = [
    { depth: 14, accuracy: 0.86, macs_ratio: 0.2, images: 10000 },
    { depth: 8, accuracy: 0.8, macs_ratio: 0.1, images: 10000 },
    { depth: 20, accuracy: 0.9, macs_ratio: 0.5, images: 10000 },
  ];
  const cv = T.curveView(c, 0, 0);
  // Cheapest first, the full static network (0.92 at 100%) closing the line.
  assert.deepEqual(cv.frontier.map((p) => p.depth), [8, 14, 20, 20]);
  assert.deepEqual(cv.frontier.map((p) => p.x), [0.1, 0.2, 0.5, 1]);
  const squares = nodes(T.curveTree(cv), (n) => n.tag === 'rect' && n.attrs['data-depth']);
  assert.equal(squares.length, 4);
  // LC-Net at 40%, 91%: the line from ResNet-14 (20%, 86%) to ResNet-20 (50%, 90%) gives
  // 86 + 4 * 20 / 30 = 88.67% there.
  assert.match(cv.frontierText, /At 40% of the MACs LC-Net reaches 91\.0%; .* reach 88\.7% at that cost \(on the line from ResNet-14 to ResNet-20\): LC-Net is 2\.3 points above them/);
  // Below the cheapest static network the text says it is outside the measured range.
  assert.match(T.frontierText(cv.frontier, { x: 0.05, y: 0.7 }), /outside the range .* \(10% to 100%\)/);
  assert.match(T.frontierText(cv.frontier, { x: 0.2, y: 0.85 }), /1\.0 points below them/);
  const legend = nodes(T.curveLegendTree(cv), (n) => typeof n === 'object' && n.tag === 'span' && n.children[0] === 'smaller static ResNets, same recipe');
  assert.equal(legend.length, 1);
});

test('a heatmap marks the blocks that mostly ran with no channel, and says so', () => {
  const hv = T.heatmapView(stats(), 'run');
  // Block 3 runs for half of every class's images, each time with no channel computed.
  assert.ok(hv.rows.every((r) => r.cells[2].empty && !r.cells[0].empty && !r.cells[1].empty));
  assert.match(hv.rows[0].cells[2].text, /runs for 50% of the 1000 airplane images, 50% of them with no channel computed/);
  const tree = T.heatmapTree(hv, null);
  assert.equal(nodes(tree, (n) => n.tag === 'button' && /hm-empty/.test(n.attrs.class)).length, 10);
  assert.match(nodes(tree, (n) => n.tag === 'caption')[0].children[1].children[0], /a dot: mostly ran with no channel computed/);
  // stats.json without empty_rate (an older lcnet stats) marks nothing.
  const old = stats();
  for (const c of old.classes) delete c.empty_rate;
  assert.ok(T.heatmapView(old, 'run').rows.every((r) => r.cells.every((c) => !c.empty)));
});

test('the handout summary says what the model costs, loses, and how dynamic it is', async () => {
  const { summaryLines } = await import('../../www/js/summary.js');
  const c = card();
  c.config = { depth: 20, gated: true, tau_l: 0, tau_c: 0, num_classes: 10 };
  c.results.rust.dynamic = { accuracy: 0.91, macs_ratio: 0.4, images: 10000 };
  const s = stats();
  s.dynamics = {
    images: 10000, run_rate: [1, 0.5, 0], empty_rate: [0, 0, 0], dynamic_blocks: 1, always_run: [0], never_run: [2],
    paths: 2, top_paths: [{ ran: [true, false, false], images: 5000 }, { ran: [true, true, false], images: 5000 }],
    near_top_path: 10000, median_blocks_differ: 1, median_channels_differ: 20, macs_tenths: [1000, 3000],
  };
  const lines = summaryLines(c, s);
  assert.match(lines[0], /ResNet-20/);
  assert.match(lines[1], /91\.0% at 40% of the MACs, 1\.0 points less accurate than the full static ResNet-20/);
  assert.match(lines[2], /^Not measured/);
  assert.match(lines[3], /^How dynamic it is, over the 10,000 test images .*: Most images \(5,000 of 10,000, 50%\)/);
  // Without stats.json the summary has no dynamics line.
  assert.equal(summaryLines(c, null).length, 3);
});

test('zoomed, the curve spans the measured range; the full network is a line marked off to the right', () => {
  const cv = T.curveView(card(), 0, 0, [], { zoom: true });
  // Measured x from 0.20 to 0.40: the axis runs 20% to 40% in 5% steps.
  assert.deepEqual([cv.xMin, cv.xMax], [0.2, 0.4]);
  const tree = T.curveTree(cv, T.curveBox(390));
  assert.equal(tree.attrs.viewBox, '0 0 390 300');
  const ticks = nodes(tree, (n) => n.attrs && n.attrs.class === 'tick' && /%$/.test(n.children[0]) && n.attrs['text-anchor'] === 'middle');
  assert.deepEqual(ticks.map((t) => t.children[0]), ['20%', '25%', '30%', '35%', '40%']);
  const base = nodes(tree, (n) => n.attrs && n.attrs.class === 'baseline')[0];
  assert.equal(nodes(base, (n) => n.tag === 'rect').length, 0, 'the 100% square is off the zoomed axis');
  assert.match(nodes(base, (n) => n.tag === 'text')[0].children[0], /full static ResNet \(at 100% of the MACs\)/);
  // A collapse at high thresholds (accuracy near chance) is left out of the zoomed axes.
  const c = card();
  c.results.rust.curve.push({ sweep: 'both', tau_l: 0.5, tau_c: 0.5, accuracy: 0.11, macs_ratio: 0.05, images: 10000 });
  const z = T.curveView(c, 0, 0, [], { zoom: true });
  assert.deepEqual([z.xMin, z.xMax, z.yMin], [0.2, 0.4, 0.8]);
  assert.equal(T.curveView(c, 0, 0).yMin, 0.1);
  // Unzoomed: 0 to 100%.
  const full = T.curveView(card(), 0, 0);
  assert.deepEqual([full.xMin, full.xMax], [0, 1]);
  assert.equal(T.curveBox(2000).width, 560);
  assert.equal(T.curveBox(200).width, 320);
});

test('a point measured in the browser is drawn with its 95% interval', () => {
  const own = [{ accuracy: 0.93, correct: 93, macs_ratio: 0.3, tau_l: 0, tau_c: 0, images: 100 }];
  const cv = T.curveView(card(), 0, 0, own);
  const { lo, hi } = V.wilson(93, 100);
  assert.deepEqual(cv.measured[0].interval, { lo, hi });
  assert.match(cv.measured[0].title, /93\.0% \(95% interval 86\.3–96\.6%, 100 images: a small sample\)/);
  const bar = nodes(T.curveTree(cv), (n) => n.attrs && n.attrs.class === 'interval')[0];
  assert.deepEqual([bar.attrs['data-lo'], bar.attrs['data-hi']], [lo.toFixed(4), hi.toFixed(4)]);
  // The bar spans the interval on the plot: its ends are the y of lo and hi.
  assert.ok(Number(bar.attrs.y1) < Number(bar.attrs.y2));
  // The y axis makes room for the whole interval.
  assert.ok(cv.yMin <= lo && cv.yMax >= hi);
});
