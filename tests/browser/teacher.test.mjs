// The page as a teacher uses it, in headless Chromium on the CPU backend: the guided tour runs to
// its end and back (mouse and keyboard), reset-all restores the defaults, the print layout renders
// a handout (screenshot kept as an artifact), every glossary link has its entry, and axe-core finds
// no accessibility violations.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

import { sharedPage, openReady, artifact } from './harness.mjs';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

let page;
let errors;
const ctx = sharedPage({
  backend: 'cpu',
  setup: (c) => {
    ({ page, errors } = c);
    return errors.race(page.waitForFunction(() => document.body.dataset.stats === 'ready'));
  },
});

const state = () => page.evaluate(() => ({
  source: document.getElementById('result').dataset.source,
  tauL: window.lcnetDebug.output.trace.tau_l,
  tauC: window.lcnetDebug.output.trace.tau_c,
  pinned: window.lcnetDebug.compareA?.name ?? null,
}));

/** Waits for the tour to finish entering step `n` (1-based). */
async function atStep(n) {
  await errors.race(page.waitForFunction((k) => document.body.dataset.tour === `step-${k}` &&
    document.getElementById('tour').getAttribute('aria-busy') === 'false', n));
}

/** The test set's cheapest and costliest examples, and the card, as the page has them. */
async function facts() {
  return page.evaluate(() => {
    const ex = [...window.lcnetDebug.stats.examples].sort((a, b) => a.macs - b.macs || a.class - b.class);
    return { cheap: ex[0].file, dear: ex[ex.length - 1].file, card: window.lcnetDebug.card };
  });
}

test('the tour drives the page to its end and back, and closes with Escape', async () => {
  const { cheap, dear, card } = await facts();
  const start = page.locator('#tour-start');
  assert.equal(await start.isEnabled(), true);
  await start.click();
  await atStep(1);
  assert.equal(await page.locator('#tour').isVisible(), true);
  let s = await state();
  assert.equal(s.source, cheap, 'step 1 shows the cheapest example');
  assert.match(await page.locator('#tour-text').innerText(), /of the static MACs/);
  assert.equal(await page.locator('#tour-back').isDisabled(), true);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'tour-next', 'focus on Next');

  const seen = [];
  for (let n = 2; n <= 5; n++) {
    await page.locator('#tour-next').click();
    await atStep(n);
    seen.push({ n, state: await state(), text: await page.locator('#tour-text').innerText() });
    await page.locator('#tour').screenshot({ path: await artifact(`tour-step-${n}.png`) });
  }
  const [two, three, four] = seen;
  assert.equal(two.state.pinned, cheap, 'step 2 pins the cheap image as A');
  assert.equal(two.state.source, dear, 'and shows the costliest as B');
  assert.match(two.text, /cost .* MACs more than/);
  assert.ok(three.state.tauC > card.config.tau_c, 'step 3 raises τC');
  assert.equal(three.state.tauL, Math.fround(card.config.tau_l));
  assert.match(three.text, /accuracy at .* of the static MACs on .* test images/);
  assert.ok(four.state.tauL > card.config.tau_l, 'step 4 raises τL');
  assert.equal(four.state.tauC, Math.fround(card.config.tau_c));
  assert.equal(await page.locator('#tour-next').innerText(), 'Finish');
  assert.equal(await page.locator('#curve-card').evaluate((el) => el.classList.contains('tour-target')), true);

  // Back to the start: each step sets up what it shows again.
  for (let n = 4; n >= 1; n--) {
    await page.locator('#tour-back').click();
    await atStep(n);
  }
  s = await state();
  assert.equal(s.source, cheap);
  assert.equal(s.pinned, null, 'step 1 has nothing pinned');
  assert.equal(s.tauC, Math.fround(card.config.tau_c));

  // Keyboard only: Enter on Next, then Escape closes and gives focus back.
  await page.keyboard.press('Enter');
  await atStep(2);
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('#tour').isHidden(), true);
  assert.equal(await page.evaluate(() => document.body.dataset.tour), 'off');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'tour-start');
  assert.equal(await page.locator('.tour-target').count(), 0);
  errors.assertNone();
});

test('reset all restores the defaults; unpin empties the comparison', async () => {
  const { card } = await facts();
  await page.evaluate(() => {
    const el = document.getElementById('tau-c');
    el.value = el.max;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await page.locator('#compare-pin').click();
  await page.locator('#heatmaps .hm-cell').nth(3).click();
  await page.locator('#examples-sort').selectOption('class');
  assert.equal(await page.locator('#heatmaps .hm-selected').count(), 2);
  assert.equal(await page.locator('#compare-unpin').isEnabled(), true);

  await page.locator('#reset-all').click();
  await errors.race(page.waitForFunction((c) => window.lcnetDebug.output.trace.tau_c === c, Math.fround(card.config.tau_c)));
  assert.equal(Number(await page.locator('#tau-l').inputValue()), card.config.tau_l);
  assert.equal(Number(await page.locator('#tau-c').inputValue()), card.config.tau_c);
  assert.equal(await page.evaluate(() => window.lcnetDebug.compareA), null);
  assert.equal(await page.locator('#compare .cmp-cell').count(), 0);
  assert.equal(await page.locator('#compare-unpin').isDisabled(), true);
  assert.equal(await page.locator('#heatmaps .hm-selected').count(), 0);
  assert.equal(await page.locator('#examples-sort').inputValue(), 'cost');
  assert.equal(await page.locator('#examples-all').isHidden(), true);

  await page.locator('#compare-pin').click();
  assert.equal(await page.locator('#compare .cmp-cell').count() > 0, true);
  await page.locator('#compare-unpin').click();
  assert.equal(await page.evaluate(() => window.lcnetDebug.compareA), null);
  assert.match(await page.locator('#compare').innerText(), /Pin an image/);
  errors.assertNone();
});

test('a shared link restores the image, the thresholds and the backend', async () => {
  const entries = await page.evaluate(async () => (await fetch('gallery/gallery.json')).json());
  const pick = entries[entries.length - 1];
  await page.locator(`.thumb[data-file="${pick.file}"]`).click();
  await errors.race(page.waitForFunction((f) => document.getElementById('result').dataset.source === f, pick.file));
  await page.evaluate(() => {
    for (const id of ['tau-l', 'tau-c']) {
      const el = document.getElementById(id);
      el.value = String(Number(el.step) * 3);
      el.dispatchEvent(new Event('input', { bubbles: true }));
    }
  });
  const want = await page.evaluate(() => ({ tauL: Number(document.getElementById('tau-l').value), tauC: Number(document.getElementById('tau-c').value) }));
  await errors.race(page.waitForFunction((c) => window.lcnetDebug.output.trace.tau_c === c, Math.fround(want.tauC)));
  await page.locator('#link-btn').click();
  const link = await page.locator('#link-url').inputValue();
  assert.match(link, new RegExp(`image=${encodeURIComponent(pick.file).replace(/[.]/g, '\\.')}`));
  assert.match(await page.locator('#link-note').innerText(), /opens this image, these thresholds and this backend/);

  const other = await openReady(ctx.browser.context, link);
  try {
    const got = await other.page.evaluate(() => ({
      source: document.getElementById('result').dataset.source,
      tauL: window.lcnetDebug.output.trace.tau_l,
      tauC: window.lcnetDebug.output.trace.tau_c,
      backend: window.lcnetDebug.output.backend,
      sliders: [document.getElementById('tau-l').value, document.getElementById('tau-c').value].map(Number),
    }));
    assert.deepEqual(got, { source: pick.file, tauL: Math.fround(want.tauL), tauC: Math.fround(want.tauC), backend: 'cpu', sliders: [want.tauL, want.tauC] });
    other.errors.assertNone();
  } finally {
    await other.page.close();
  }
  // A link to an image the page does not have says so and shows an example.
  const bad = await openReady(ctx.browser.context, `${ctx.server.url}?image=nothing.png&backend=cpu`);
  try {
    await bad.errors.race(bad.page.waitForFunction(() => /does not have \(“nothing\.png”\)/.test(document.getElementById('error').textContent)));
    assert.equal(await bad.page.locator('#error').isVisible(), true);
  } finally {
    await bad.page.close();
  }
  await page.locator('#reset-all').click();
  errors.assertNone();
});

test('the slider ranges come from the measured curve and stop on measured settings', async () => {
  const { card } = await facts();
  for (const [id, sweep] of [['tau-l', 'tau_l'], ['tau-c', 'tau_c']]) {
    const el = page.locator(`#${id}`);
    const [max, step] = [Number(await el.getAttribute('max')), Number(await el.getAttribute('step'))];
    assert.ok(max > 0 && max < 0.9, `${id} max ${max} is below the old 0.9`);
    const measured = card.results.rust.curve.filter((p) => p.sweep === sweep).map((p) => p[sweep]);
    for (let v = step; v <= max + 1e-9; v += step) {
      assert.ok(measured.some((m) => Math.abs(m - v) < 5e-4), `${id} = ${v.toFixed(3)} was measured`);
    }
  }
});

test('every glossary link has its entry; terms are defined with <dfn>', async () => {
  const missing = await page.evaluate(() => Array.from(document.querySelectorAll('a[href^="#g-"]'))
    .map((a) => a.getAttribute('href').slice(1)).filter((id) => !document.getElementById(id)));
  assert.deepEqual(missing, []);
  const terms = await page.locator('#glossary dfn').allInnerTexts();
  for (const t of ['MAC', 'Gate', 'Threshold τ', 'Static network', 'Residual block', 'Channel', 'Shortcut', 'CIFAR-10']) {
    assert.ok(terms.includes(t), `the glossary defines ${t}`);
  }
});

test('print emulation renders a handout without controls', async () => {
  await page.emulateMedia({ media: 'print' });
  try {
    for (const sel of ['.page-tools', '#drop', '.camera', '.backend-toggle', '.export', '#bench-btn']) {
      assert.equal(await page.locator(sel).first().isVisible(), false, `${sel} is not printed`);
    }
    for (const sel of ['#viz .block', '#curve svg', '#heatmaps table', '#glossary']) {
      assert.equal(await page.locator(sel).first().isVisible(), true, `${sel} is printed`);
    }
    await page.screenshot({ path: await artifact('handout-print.png'), fullPage: true });
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  } finally {
    await page.emulateMedia({ media: 'screen' });
  }
});

test('axe-core finds no accessibility violations', async () => {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document);
    return r.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  });
  assert.deepEqual(violations, []);
  errors.assertNone();
});
