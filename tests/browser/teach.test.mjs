// The teaching views in headless Chromium, on each backend: the accuracy/cost curve follows the
// sliders (and the trace changes with them), the compare view shows two aligned traces, the
// per-class heatmaps have 10 x blocks cells and a click shows that class's examples, the examples
// sort by cost, the cost buckets and the explanation are there. Every number checked comes from
// the shipped files (the card's curve, stats/stats.json) or the page's own traces. Screenshots of
// each view go to tests/artifacts/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import {
  requireBuild, serve, launch, openReady, nextOutcome, artifact, useBackend, BACKENDS, WWW,
} from './harness.mjs';

let server;
let browser;
let stats;

before(async () => {
  requireBuild();
  stats = JSON.parse(await readFile(join(WWW, 'stats', 'stats.json'), 'utf8'));
  server = await serve();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const SAME = 5e-4;

async function setSliders(page, tauL, tauC) {
  await page.evaluate(([l, c]) => {
    for (const [id, v] of [['tau-l', l], ['tau-c', c]]) {
      const el = document.getElementById(id);
      el.value = String(v);
      el.dispatchEvent(new Event('input', { bubbles: true }));
    }
  }, [tauL, tauC]);
}

/** Waits until the shown result and the compare view were computed at (tauL, tauC). */
async function settled(page, errors, tauL, tauC) {
  await errors.race(page.waitForFunction(([l, c]) => {
    const o = window.lcnetDebug.output;
    return o && Math.abs(o.trace.tau_l - l) < 1e-6 && Math.abs(o.trace.tau_c - c) < 1e-6;
  }, [Math.fround(tauL), Math.fround(tauC)]));
  await errors.race(page.evaluate(() => window.lcnetDebug.compareSettled()));
}

async function shot(page, selector, name) {
  await page.locator(selector).screenshot({ path: await artifact(name) });
}

for (const backend of BACKENDS) {
  test(`teaching views on ${backend}`, async (t) => {
    const { page, errors } = await openReady(browser.context, server.url);
    await useBackend(page, errors, backend);
    await errors.race(page.waitForFunction(() => document.body.dataset.stats === 'ready'));
    const card = await page.evaluate(() => window.lcnetDebug.card);
    const nBlocks = ((card.config.depth - 2) / 6) * 3;

    await t.test('the curve is the card’s measured curve and its marker follows the sliders', async () => {
      const curve = card.results.rust.curve;
      assert.ok(curve.length >= 3, 'the card has a measured curve');
      const circles = await page.locator('#curve svg .series circle').count();
      // The single-knob sweeps repeat the joint sweep's origin.
      const origins = ['tau_l', 'tau_c'].filter((s) => curve.some((p) => p.sweep === s)).length;
      assert.equal(circles, curve.length + origins);
      const marker = page.locator('#curve svg .marker');
      // Measured settings: the model's own, then each sweep at its lowest non-zero threshold.
      const settings = [[card.config.tau_l, card.config.tau_c]];
      for (const sweep of ['tau_l', 'tau_c', 'both']) {
        const p = curve.filter((q) => q.sweep === sweep && q.tau_l + q.tau_c > 0)
          .sort((a, b) => (a.tau_l + a.tau_c) - (b.tau_l + b.tau_c))[0];
        if (p) settings.push([Number(p.tau_l.toFixed(2)), Number(p.tau_c.toFixed(2))]);
      }
      assert.ok(settings.length >= 2, 'the curve has a setting besides the model’s own');
      const seen = [];
      for (const [l, c] of settings) {
        await setSliders(page, l, c);
        await settled(page, errors, l, c);
        const expected = curve.find((p) => Math.abs(p.tau_l - l) < SAME && Math.abs(p.tau_c - c) < SAME);
        assert.ok(expected, `the curve measured tau_l ${l}, tau_c ${c}`);
        assert.equal(await marker.getAttribute('data-exact'), 'true');
        assert.equal(Number(await marker.getAttribute('data-x')), Number(expected.macs_ratio.toFixed(4)));
        assert.equal(Number(await marker.getAttribute('data-y')), Number(expected.accuracy.toFixed(4)));
        const out = await page.evaluate(() => window.lcnetDebug.output);
        seen.push({ marker: await marker.getAttribute('data-x'), trace: out.trace });
      }
      // The marker moved, and the trace of the shown image is the one at the new thresholds.
      assert.ok(new Set(seen.map((s) => s.marker)).size > 1, 'the marker moved');
      assert.match(await page.locator('#curve-now').innerText(), /test images/);
      // A setting between the grid's points: the nearest measured one is ringed, and said so.
      await setSliders(page, 0.03, 0.01);
      await settled(page, errors, 0.03, 0.01);
      assert.equal(await marker.getAttribute('data-exact'), 'false');
      assert.match(await page.locator('#curve-now').innerText(), /was not measured/);
      await shot(page, '#curve-card', `curve-${backend}.png`);
      await page.locator('#tau-reset').click();
      await settled(page, errors, card.config.tau_l, card.config.tau_c);
    });

    await t.test('compare: two traces aligned block by block, re-run when the sliders move', async () => {
      await page.locator('#compare-extremes').click();
      const items = [...stats.examples].sort((a, b) => a.macs - b.macs || a.class - b.class);
      const cheap = items[0].file;
      const dear = items[items.length - 1].file;
      await errors.race(page.waitForFunction((f) => document.getElementById('result').dataset.source === f, dear));
      await errors.race(page.evaluate(() => window.lcnetDebug.compareSettled()));
      const check = async () => {
        const a = await page.evaluate(() => window.lcnetDebug.compareA);
        const b = (await page.evaluate(() => window.lcnetDebug.output)).trace;
        const drawn = await page.evaluate(() => Array.from(document.querySelectorAll('#compare .cmp-cell'), (c) => ({
          side: c.dataset.side, block: Number(c.dataset.block), ran: c.dataset.ran === 'true', kept: Number(c.dataset.kept),
        })));
        assert.equal(drawn.length, 2 * nBlocks);
        for (const [side, trace] of [['a', a.trace], ['b', b]]) {
          const cells = drawn.filter((d) => d.side === side);
          assert.deepEqual(cells.map((d) => d.ran), trace.blocks.map((x) => x.ran), `${side}: blocks run`);
          assert.deepEqual(cells.map((d) => d.kept), trace.blocks.map((x) => (x.ran ? x.kept.length : 0)), `${side}: channels`);
        }
        return { a, b };
      };
      const { a, b } = await check();
      assert.equal(a.name, cheap);
      assert.ok(a.trace.macs <= b.macs, 'A is the cheaper one');
      const names = await page.locator('#compare .cmp-side strong').allInnerTexts();
      assert.deepEqual(names, [cheap, dear]);
      assert.match(await page.locator('#compare .cmp-diff').innerText(), /costs .*× as much \(.* MACs more\)|cost the same/);
      assert.match(await page.locator('#compare-pair-note').innerText(), /^The extremes: the cheapest and the costliest of the \d+ examples/);
      await shot(page, '#compare-card', `compare-${backend}.png`);
      // Thresholds up to the top of both sliders: both sides run again, at the new setting.
      const max = async (id) => Number(await page.locator(`#${id}`).getAttribute('max'));
      const hi = Math.min(await max('tau-l'), await max('tau-c'));
      await setSliders(page, hi, hi);
      await settled(page, errors, hi, hi);
      const again = await check();
      assert.equal(again.a.trace.tau_l, Math.fround(hi));
      assert.equal(again.b.tau_c, Math.fround(hi));
      await page.locator('#tau-reset').click();
      await settled(page, errors, card.config.tau_l, card.config.tau_c);
      // Pin the shown image, pick another: A stays, B changes.
      await page.locator('#compare-pin').click();
      const other = items[Math.floor(items.length / 2)].file;
      const r = await nextOutcome(page, errors, () => page.locator(`#examples .example[data-file="${other}"]`).click());
      assert.equal(r.kind, 'result');
      const pinned = await check();
      assert.equal(pinned.a.name, dear);
      assert.deepEqual(await page.locator('#compare .cmp-side strong').allInnerTexts(), [dear, other]);
      assert.equal(await page.locator('#compare-pair-note').innerText(), '', 'a pin of its own clears the pair note');
      // A typical pair: the two examples next to the median cost.
      await page.locator('#compare-typical').click();
      const mid = items.length >> 1;
      await errors.race(page.waitForFunction((f) => window.lcnetDebug.compareA?.name === f, items[mid - 1].file));
      await errors.race(page.waitForFunction((f) => document.getElementById('result').dataset.source === f, items[mid].file));
      await errors.race(page.evaluate(() => window.lcnetDebug.compareSettled()));
      assert.match(await page.locator('#compare-pair-note').innerText(), /^A typical pair/);
    });

    await t.test('heatmaps have 10 x blocks cells from stats.json; a click shows that class’s examples', async () => {
      assert.equal(await page.locator('#heatmaps table').count(), 2);
      for (const metric of ['run', 'kept']) {
        const cells = page.locator(`#heatmaps table[data-metric="${metric}"] .hm-cell`);
        assert.equal(await cells.count(), stats.classes.length * nBlocks);
        assert.equal(stats.classes.length, 10);
        const values = await page.evaluate((m) => Array.from(
          document.querySelectorAll(`#heatmaps table[data-metric="${m}"] .hm-cell`),
          (c) => [Number(c.dataset.class), Number(c.dataset.block), Number(c.dataset.value)],
        ), metric);
        for (const [c, b, v] of values) {
          const s = stats.classes[c];
          const want = metric === 'run' ? s.run_rate[b] : s.mean_kept[b] / stats.blocks[b].planes;
          assert.ok(Math.abs(v - want) < 1e-4, `${metric} ${c},${b}: ${v} vs ${want}`);
        }
      }
      const cls = 3;
      const block = Math.min(nBlocks - 1, 4);
      await page.locator(`#heatmaps table[data-metric="run"] .hm-cell[data-class="${cls}"][data-block="${block}"]`).click();
      const shown = await page.evaluate(() => Array.from(document.querySelectorAll('#examples .example'), (e) => ({
        file: e.dataset.file, cls: Number(e.dataset.class), ran: e.dataset.blockRan,
      })));
      const want = stats.examples.filter((e) => e.class === cls);
      assert.equal(shown.length, want.length);
      for (const s of shown) {
        assert.equal(s.cls, cls);
        const e = want.find((x) => x.file === s.file);
        assert.equal(s.ran, String(e.ran[block]));
      }
      assert.match(await page.locator('#examples-title').innerText(), new RegExp(`${stats.classes[cls].label}, block ${block + 1}`));
      // Arrow keys move the focus along the table.
      await page.keyboard.press('ArrowRight');
      const focused = await page.evaluate(() => document.activeElement.dataset.block);
      assert.equal(Number(focused), Math.min(nBlocks - 1, block + 1));
      await shot(page, '#classes-card', `classes-${backend}.png`);
      await page.locator('#examples-all').click();
      assert.equal(await page.locator('#examples .example').count(), stats.examples.length);
    });

    await t.test('easy vs hard: examples sort by cost, accuracy per cost bucket is shown', async () => {
      await page.locator('#examples-sort').selectOption('cost');
      const macs = await page.evaluate(() => Array.from(document.querySelectorAll('#examples .example'), (e) => Number(e.dataset.macs)));
      assert.deepEqual(macs, [...macs].sort((x, y) => x - y));
      await page.locator('#examples-sort').selectOption('class');
      const classes = await page.evaluate(() => Array.from(document.querySelectorAll('#examples .example'), (e) => Number(e.dataset.class)));
      assert.deepEqual(classes, [...classes].sort((x, y) => x - y));
      const buckets = await page.evaluate(() => Array.from(document.querySelectorAll('#buckets .bucket'), (b) => Number(b.dataset.accuracy)));
      assert.deepEqual(buckets, stats.cost_buckets.map((b) => Number(b.accuracy.toFixed(4))));
      assert.match(await page.locator('#buckets .bucket-summary').innerText(), /spent least on/);
      // A click on an example runs it like a gallery image.
      const first = stats.examples[0];
      const r = await nextOutcome(page, errors, () => page.locator(`#examples .example[data-file="${first.file}"]`).click());
      assert.equal(r.kind, 'result');
      const out = await page.evaluate(() => window.lcnetDebug.output);
      assert.equal(out.trace.macs, first.macs, 'the page spends what the CLI measured on this image');
    });

    await t.test('the explanation panel cites the paper and has its diagram', async () => {
      const panel = page.locator('#explain-title').locator('..');
      assert.match(await panel.innerText(), /L-Net/);
      assert.match(await panel.innerText(), /C-Net/);
      assert.equal(await panel.locator('a[href="https://arxiv.org/abs/2007.15151"]').count(), 1);
      assert.equal(await panel.locator('svg.explain-diagram').count(), 1);
      await shot(page, '.explain-card', `explain-${backend}.png`);
    });

    errors.assertNone();
    await page.close();
  });
}
