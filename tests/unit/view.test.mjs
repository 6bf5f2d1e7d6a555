// Unit tests of www/js/view.js (trace -> view data and number formatting).

import test from 'node:test';
import assert from 'node:assert/strict';

import * as V from '../../www/js/view.js';
import { syntheticTrace } from './synthetic.mjs';

test('formatCount uses three significant digits and SI suffixes', () => {
  assert.equal(V.formatCount(0), '0');
  assert.equal(V.formatCount(512), '512');
  assert.equal(V.formatCount(999), '999');
  assert.equal(V.formatCount(1000), '1.00 k');
  assert.equal(V.formatCount(12_345), '12.3 k');
  assert.equal(V.formatCount(40_550_001), '40.6 M');
  assert.equal(V.formatCount(125_000_000), '125 M');
  assert.equal(V.formatCount(1_250_000_000), '1.25 G');
  assert.equal(V.formatCount(NaN), '–');
});

test('formatWhole writes whole numbers as toLocaleString("en") does', () => {
  for (const n of [0, 7, 999, 1000, 10_000, 123_456, 1_000_000, 50_000_000, -1234]) {
    assert.equal(V.formatWhole(n), n.toLocaleString('en'), String(n));
  }
  assert.equal(V.formatWhole(1234.6), '1,235');
  assert.equal(V.formatWhole(Infinity), '–');
});

test('macsSummary prints used and saved shares that add up to 100%', () => {
  const s = V.macsSummary(12_300_000, 12_300_000 / 0.38);
  assert.equal(s.text, '12.3 M MACs (38% of static, saves 62%)');
  // 38.5% rounds up; the saving is derived from the rounded share, not rounded on its own.
  const h = V.macsSummary(385, 1000);
  assert.equal(h.usedText, '39%');
  assert.equal(h.savedText, 'saves 61%');
  assert.ok(Math.abs(h.used - 0.385) < 1e-12);
  assert.ok(Math.abs(h.saved - 0.615) < 1e-12);
});

test('macsSummary handles tiny shares, no saving and gate overhead', () => {
  assert.equal(V.macsSummary(4, 1000).text, '4 MACs (0.4% of static, saves 99.6%)');
  assert.equal(V.macsSummary(1000, 1000).savedText, 'saves 0%');
  // All blocks ran and the gates cost extra: more than the static network.
  assert.equal(V.macsSummary(1_010_000, 1_000_000).text, '1.01 M MACs (101% of static, 1% more than static)');
  assert.equal(V.macsSummary(5, 0).usedText, '–');
  assert.equal(V.macsSummary(272, 4_720_000).text, '272 MACs (<0.1% of static, saves >99.9%)');
});

test('formatPercent keeps one decimal below 10%', () => {
  assert.equal(V.formatPercent(0), '0%');
  assert.equal(V.formatPercent(0.004), '0.4%');
  assert.equal(V.formatPercent(0.0000576), '<0.1%');
  assert.equal(V.formatPercent(0.0995), '10%');
  assert.equal(V.formatPercent(0.5), '50%');
  assert.equal(V.formatPercent(1), '100%');
});

test('small formatters', () => {
  assert.equal(V.formatMs(0.4234), '0.42 ms');
  assert.equal(V.formatMs(3.44), '3.4 ms');
  assert.equal(V.formatMs(123.4), '123 ms');
  assert.equal(V.formatProb(0.8734), '87.3%');
  assert.equal(V.formatGate(0.734), '0.73');
  assert.equal(V.formatGate(null), 'none');
  assert.equal(V.formatBytes(12), '12 B');
  assert.equal(V.formatBytes(850_000), '850 kB');
  assert.equal(V.formatBytes(3_456_789), '3.5 MB');
  assert.equal(V.backendText('cpu', { simd: true }), 'CPU (WebAssembly, SIMD on)');
  assert.equal(V.backendText('cpu', { simd: false, adapter: 'x' }), 'CPU (WebAssembly, SIMD off)');
  assert.equal(V.backendText('cpu', { simd: true, relaxed: true }), 'CPU (WebAssembly, SIMD on, relaxed SIMD)');
  assert.equal(V.backendText('webgpu', { adapter: 'google swiftshader' }), 'WebGPU (google swiftshader)');
  assert.equal(V.backendText('webgpu'), 'WebGPU (unknown adapter)');
});

test('loadingProgress with and without a known size', () => {
  assert.deepEqual(V.loadingProgress(500_000, 1_000_000), {
    text: 'Downloading weights: 500 kB of 1.0 MB (50%)',
    fraction: 0.5,
  });
  assert.deepEqual(V.loadingProgress(2_000, 0), { text: 'Downloading weights: 2 kB', fraction: null });
});

test('uploadErrorText names the file and says the previous result stays', () => {
  const t = V.uploadErrorText('Error: the file is empty.', 'x.png');
  assert.equal(t, 'Could not classify “x.png”: the file is empty. The previous result is still shown; try another image.');
  assert.match(V.uploadErrorText('', undefined), /^Could not classify this image: unknown error\./);
});

test('modelSummary prefers the Rust runtime\'s measurement, then the trainer\'s', () => {
  const card = {
    name: 'dev-resnet8',
    config: { depth: 8, gated: true, num_classes: 10 },
    results: { pytorch: { dataset: 'x', accuracy: 0.6163, macs_ratio: 0.398 } },
  };
  assert.equal(
    V.modelSummary(card),
    'dev-resnet8 · ResNet-8, 3 gated blocks · 10 classes · 61.6% test accuracy at 40% of the static MACs',
  );
  card.results.rust = { dynamic: { accuracy: 0.6164, macs_ratio: 0.3972 } };
  assert.match(V.modelSummary(card), /61\.6% test accuracy at 40% of the static MACs$/);
  assert.equal(V.measuredResult(card.results).accuracy, 0.6164);
  const plain = { name: 'static', config: { depth: 56, gated: false, num_classes: 10 }, results: null };
  assert.equal(V.modelSummary(plain), 'static · ResNet-56, 27 blocks · 10 classes');
  assert.equal(V.measuredResult({ pytorch: { accuracy: 3 } }), null);
  assert.equal(
    V.modelSummary({ ...plain, weights_dtype: 'f16' }),
    'static · ResNet-56, 27 blocks · 10 classes · weights stored as f16',
  );
  assert.equal(V.modelSummary({ ...plain, weights_dtype: 'f32' }), V.modelSummary(plain));
});

for (const depth of [8, 20, 56, 110]) {
  test(`buildView lays out every block and channel for depth ${depth}`, () => {
    const trace = syntheticTrace(depth);
    const v = V.buildView(trace);
    const n = (depth - 2) / 6;
    assert.equal(v.stages.length, 3);
    assert.deepEqual(v.stages.map((s) => s.blocks.length), [n, n, n]);
    assert.equal(v.blockCount, 3 * n);
    const flat = v.stages.flatMap((s) => s.blocks);
    assert.deepEqual(flat.map((b) => b.index), trace.blocks.map((b) => b.index));
    const ranPlanes = trace.blocks.filter((b) => b.ran).reduce((s, b) => s + b.planes, 0);
    assert.equal(v.channelElementCount, ranPlanes);
    for (const [i, b] of flat.entries()) {
      const t = trace.blocks[i];
      assert.equal(b.ran, t.ran);
      if (!t.ran) {
        assert.equal(b.channels.length, 0, 'a skipped block has no channel cells');
        assert.equal(b.keptText, `0/${t.planes}`);
        continue;
      }
      assert.equal(b.channels.length, t.planes);
      assert.deepEqual(b.channels.filter((c) => c.kept).map((c) => c.index), t.kept);
      assert.equal(b.keptText, `${t.kept.length}/${t.planes}`);
      assert.equal(b.rows, Math.ceil(t.planes / 8));
      for (const c of b.channels) assert.match(c.fill, /^#[0-9a-f]{6}$/);
    }
    assert.equal(v.blocksText, `${trace.blocks_run} of ${3 * n} blocks ran`);
  });
}

test('buildView summarises stages and the prediction', () => {
  const trace = syntheticTrace(20, { tauL: 0.25, tauC: 0.1 });
  const v = V.buildView(trace);
  assert.equal(v.prediction.label, 'cat');
  assert.equal(v.prediction.probText, '70.0%');
  assert.deepEqual(v.top5.map((c) => c.label), ['cat', 'dog', 'bird', 'frog', 'deer']);
  assert.equal(v.top5[0].top, true);
  assert.equal(v.top5[0].pct, 70);
  assert.equal(v.stages[0].title, 'Stage 1');
  assert.equal(v.stages[0].subtitle, '16 channels · 32×32');
  assert.equal(v.stages[2].subtitle, '64 channels · 8×8');
  const s0 = trace.blocks.filter((b) => b.stage === 0);
  const kept = s0.reduce((s, b) => s + b.kept.length, 0);
  assert.equal(v.stages[0].summary, `${s0.filter((b) => b.ran).length} of 3 blocks ran · ${kept}/48 channels`);
  assert.equal(v.tauLPct, 25);
  assert.equal(v.cost.text, V.macsSummary(trace.macs, trace.static_macs).text);
});

test('blockView describes a block for the tooltip and screen readers', () => {
  const trace = syntheticTrace(8);
  const ran = V.blockView(trace.blocks[0], 0);
  assert.equal(ran.title, 'Block 1 · stage 1, block 1 · ran');
  assert.match(ran.ariaLabel, /^Block 1, stage 1, block 1: ran\. L-gate 0\.50\. 12 of 16 channels computed\./);
  assert.deepEqual(ran.details.map(([k]) => k), ['L-gate', 'Decision', 'Channels kept', 'MACs', 'Shape']);
  assert.equal(ran.details[2][1], '12/16 (75%)');
  const skipped = V.blockView(trace.blocks[1], 0);
  assert.equal(skipped.state, 'skipped');
  assert.equal(skipped.details[2][1], '0/32 (C-Net not evaluated)');
  assert.match(skipped.details[4][1], /^16→32 ch, 16×16, stride 2$/);
});

test('an ungated (static) trace shows every channel as kept at full strength', () => {
  const trace = syntheticTrace(8, { gated: false });
  const v = V.buildView(trace);
  const b = v.stages[0].blocks[0];
  assert.equal(b.lGateText, 'none');
  assert.equal(b.lGatePct, 100);
  assert.ok(b.channels.every((c) => c.kept && c.gate === null));
  assert.equal(v.channelElementCount, 16 + 32 + 64);
});

test('readyText gives the measured load time and where the weights came from', () => {
  assert.equal(V.readyText({ cached: false, load_ms: { total: 2345 } }),
    'Model ready in 2.3 s. Choose, drop or paste an image.');
  assert.equal(V.readyText({ cached: true, load_ms: { total: 412.4 } }),
    'Model ready in 412 ms (weights from this browser’s cache). Choose, drop or paste an image.');
  assert.equal(V.readyText({ cached: false }), 'Model ready. Choose, drop or paste an image.');
});

test('benchText reports medians and the speed-up', () => {
  assert.equal(V.benchText({ static_ms: 30, dynamic_ms: 12, runs: 30 }),
    'Gates off 30.0 ms · LC-Net 12.0 ms (2.50× faster, median of 30 warm runs each)');
  // Gate overhead can make a pass that skips nothing slower than the static network.
  assert.equal(V.benchText({ static_ms: 2, dynamic_ms: 2.5, runs: 5 }),
    'Gates off 2.0 ms · LC-Net 2.5 ms (1.25× slower, median of 5 warm runs each)');
  assert.equal(V.benchText({ static_ms: 2, dynamic_ms: 1, runs: 5 }, 'WebGPU (a)'),
    'Gates off 2.0 ms · LC-Net 1.0 ms (2.00× faster, median of 5 warm runs each, on WebGPU (a))');
  // The GPU path says how often it read back (one per image: decisions stay on the GPU).
  assert.equal(V.benchText({ static_ms: 2, dynamic_ms: 1, runs: 5, readbacks_per_image: 1 }, 'WebGPU (a)'),
    'Gates off 2.0 ms · LC-Net 1.0 ms (2.00× faster, median of 5 warm runs each, on WebGPU (a); 1 GPU readback per image)');
  assert.equal(V.benchText({ static_ms: 2, dynamic_ms: 1, runs: 5, readbacks_per_image: 1.5 }),
    'Gates off 2.0 ms · LC-Net 1.0 ms (2.00× faster, median of 5 warm runs each; 1.5 GPU readbacks per image)');
  assert.equal(V.benchText({ static_ms: 2, dynamic_ms: 1, runs: 5, readbacks_per_image: null }),
    'Gates off 2.0 ms · LC-Net 1.0 ms (2.00× faster, median of 5 warm runs each)');
});

test('benchNoteText compares the time share with the compute share, from the measurement', () => {
  const slower = V.benchNoteText({ static_ms: 10, dynamic_ms: 5, macs: 37, static_macs: 100 });
  assert.match(slower, /^On this image LC-Net computed 37% of the MACs and took 50% of the time/);
  assert.match(slower, /Time saved is less than compute saved: the gates themselves run/);
  const matched = V.benchNoteText({ static_ms: 10, dynamic_ms: 3, macs: 37, static_macs: 100 });
  assert.match(matched, /took 30% of the time .* matched the compute saved/);
  assert.equal(V.benchNoteText({ static_ms: 0, dynamic_ms: 3, macs: 37, static_macs: 100 }), '');
});

test('unsureNote speaks only below the measured threshold and says what the model knows', () => {
  const classes = ['airplane', 'cat', 'ship'];
  const confidence = { unsure_below: 0.5, unsure_accuracy: 0.42 };
  assert.equal(V.unsureNote(0.5, confidence, classes), null);
  assert.equal(V.unsureNote(0.93, confidence, classes), null);
  const note = V.unsureNote(0.31, confidence, classes);
  assert.match(note, /unsure \(31\.0%\)/);
  assert.match(note, /below 50\.0% were right only 42\.0% of the time/);
  assert.match(note, /only knows 3 classes \(airplane, cat, ship\) and must pick one/);
  // No measurement, or a model that is never unsure: no note.
  assert.equal(V.unsureNote(0.1, null, classes), null);
  assert.equal(V.unsureNote(0.1, { unsure_below: 0, unsure_accuracy: null }, classes), null);
  // Without a measured accuracy the note still explains the classes.
  assert.match(V.unsureNote(0.1, { unsure_below: 0.4, unsure_accuracy: null }, classes), /^The network is unsure \(10\.0%\)\. It only knows/);
});

test('cameraErrorText names the cause and says the rest keeps working', () => {
  assert.match(V.cameraErrorText({ name: 'NotAllowedError' }), /^Camera: permission to use the camera was refused .*still work\.$/);
  assert.match(V.cameraErrorText({ name: 'NotFoundError' }), /no camera was found/);
  assert.match(V.cameraErrorText({ name: 'NotSupportedError' }), /https or localhost/);
  assert.match(V.cameraErrorText({ name: 'Weird', message: 'boom' }), /could not start \(boom\)/);
  assert.match(V.cameraErrorText(undefined), /unknown error/);
  assert.equal(V.frameRateText(14.84, 'cpu'), '14.8 frames/s on the CPU');
  assert.equal(V.frameRateText(3, 'webgpu'), '3.0 frames/s on WebGPU');
  assert.equal(V.frameRateText(NaN, 'cpu'), '');
});

test('cameraBackendText gives the measured time per frame of each backend', () => {
  assert.equal(V.cameraBackendText({ cpu: 3.14, webgpu: 260 }), '(CPU 3.1 ms vs WebGPU 260 ms per frame here)');
  assert.equal(V.cameraBackendText({ cpu: 3.14 }), '(3.1 ms per frame)');
});

test('the 95% interval of an accuracy is the Wilson score interval', () => {
  // Its ends are the shares p at which the measured share k/n lies 1.96 standard errors
  // sqrt(p(1-p)/n) away from p (the definition, checked without the closed form).
  for (const [k, n] of [[93, 100], [891, 1000], [0, 10], [10, 10], [1, 3]]) {
    const { lo, hi } = V.wilson(k, n);
    const z = (p) => (k / n - p) / Math.sqrt((p * (1 - p)) / n);
    if (k > 0) assert.ok(Math.abs(z(lo) - 1.959964) < 1e-6, `${k}/${n} lower end`);
    else assert.equal(lo, 0);
    if (k < n) assert.ok(Math.abs(z(hi) + 1.959964) < 1e-6, `${k}/${n} upper end`);
    else assert.ok(Math.abs(hi - 1) < 1e-12);
  }
  // Published example (Newcombe 1998, table I: 81 of 263): 0.2553 to 0.3662.
  const { lo, hi } = V.wilson(81, 263);
  assert.equal(lo.toFixed(4), '0.2553');
  assert.equal(hi.toFixed(4), '0.3662');
  assert.equal(V.accuracyWithInterval(93, 100), '93.0% (95% interval 86.3–96.6%, 100 images: a small sample)');
  assert.match(V.accuracyWithInterval(8911, 10000), /^89\.1% \(95% interval 88\.5–89\.7%, 10,000 images\)$/);
  assert.ok(Number.isNaN(V.wilson(0, 0).lo));
});

test('the claim line sets the paper against the measured cost and accuracy lost', () => {
  const card = {
    config: { gated: true, depth: 56 },
    results: { rust: { dynamic: { accuracy: 0.8911, macs_ratio: 0.2957, images: 10000 }, static_baseline: { result: { accuracy: 0.912 } } } },
  };
  assert.equal(V.claimText(card), 'The paper reports the accuracy of the full network at a fraction of its cost. This model, ' +
    'measured on the 10,000 test images: 89.1% at 30% of the MACs, 2.1 points less accurate than the full static ResNet-56 ' +
    'trained separately (91.2%).');
  card.results.rust.dynamic.accuracy = 0.915;
  assert.match(V.claimText(card), /0\.3 points more accurate than/);
  assert.equal(V.claimText({ config: { gated: true }, results: {} }), '');
});

test('every answer for a picture of its own carries the ten-classes reminder', () => {
  const names = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
  assert.equal(V.outOfClassNote(names), 'The network only knows 10 classes (airplane, automobile, bird, cat, deer, dog, ' +
    'frog, horse, ship, truck): a picture of anything else still gets one of these names, often with high confidence.');
});

test('a block that ran with no channel is a state of its own, apart from ran and skipped', () => {
  const t = syntheticTrace(20, { tauC: 2 }); // every C-gate is below 2: blocks that run keep nothing
  const view = V.buildView(t);
  const blocks = view.stages.flatMap((s) => s.blocks);
  const ran = blocks.filter((b) => b.ran);
  assert.ok(ran.length > 0 && ran.every((b) => b.empty && b.state === 'ran with no channel'));
  assert.ok(blocks.filter((b) => !b.ran).every((b) => !b.empty && b.state === 'skipped'));
  assert.match(Object.fromEntries(ran[0].details).Decision, /only its shortcut and a bias/);
  assert.ok(V.buildView(syntheticTrace(20)).stages.flatMap((s) => s.blocks).every((b) => !b.empty));
  // Ungated: a network without gates never has the state.
  assert.ok(V.buildView(syntheticTrace(20, { gated: false })).stages.flatMap((s) => s.blocks).every((b) => !b.empty));
});
