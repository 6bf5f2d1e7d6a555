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
  assert.match(two.text, /costs .* as much \(.* MACs more\)/);
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
    for (const sel of ['#viz .block', '#curve svg', '#heatmaps table', '#glossary', '#dynamics .dyn-path']) {
      assert.equal(await page.locator(sel).first().isVisible(), true, `${sel} is printed`);
    }
    // It opens with the summary, from the measurements; no screen instruction, slider, sort menu
    // or empty compare card is printed.
    const first = await page.evaluate(() => Array.from(document.querySelectorAll('main > section'))
      .find((el) => el.getBoundingClientRect().height > 0).id);
    assert.equal(first, 'print-summary');
    assert.match(await page.locator('#print-summary').innerText(), /lcnet-resnet56[\s\S]*The paper reports[\s\S]*How dynamic it is/);
    for (const sel of ['.screen-only', '#thresholds', '.examples-head .sort', '#dynamics-run', '#curve-zoom']) {
      assert.equal(await page.locator(sel).first().isVisible(), false, `${sel} is not printed`);
    }
    if (!(await page.evaluate(() => 'pair' in document.getElementById('compare-card').dataset))) {
      assert.equal(await page.locator('#compare-card').isVisible(), false, 'the compare card without a comparison is not printed');
    }
    const screenWords = await page.evaluate(() => {
      const shown = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
      const texts = [];
      const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        if (/\b(Hover|Click a|click a|Drag|Tab for)\b/.test(n.textContent) && shown(n.parentElement)) texts.push(n.textContent.trim());
      }
      return texts;
    });
    assert.deepEqual(screenWords, [], 'no screen instruction is printed');
    await page.screenshot({ path: await artifact('handout-print.png'), fullPage: true });
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  } finally {
    await page.emulateMedia({ media: 'screen' });
  }
});

test('at 390 px no text is under 11 px and the curve, the diagram and the heatmaps stay readable', async () => {
  await page.setViewportSize({ width: 390, height: 800 });
  try {
    await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
    const small = await page.evaluate(() => {
      const out = [];
      const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const el = n.parentElement;
        if (!n.textContent.trim() || !el.getClientRects().length) continue;
        // The rendered size: an SVG's text scales with its viewBox.
        const r = document.createRange();
        r.selectNodeContents(n);
        const box = r.getBoundingClientRect();
        if (!box.height) continue;
        let px = parseFloat(getComputedStyle(el).fontSize);
        const svg = el.closest('svg');
        if (svg && svg.viewBox.baseVal && svg.viewBox.baseVal.width) px *= svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
        if (px < 10.95) out.push(`${n.textContent.trim().slice(0, 30)} (${px.toFixed(1)} px, ${el.closest('[id]')?.id})`);
      }
      return out;
    });
    assert.deepEqual(small, [], 'text under 11 px at 390 px');
    // Every text of the curve lies inside the plot's box.
    const outside = await page.locator('#curve svg').evaluate((svg) => {
      const box = svg.getBoundingClientRect();
      return Array.from(svg.querySelectorAll('text')).map((t) => [t.textContent, t.getBoundingClientRect()])
        .filter(([, r]) => r.width && (r.left < box.left - 0.5 || r.right > box.right + 0.5)).map(([t]) => t);
    });
    assert.deepEqual(outside, [], 'curve texts cut at the plot\'s edge');
    // The curve's tick labels do not overlap each other.
    const ticks = await page.locator('#curve svg text.tick').evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((b) => [b.left, b.right, b.top]));
    for (let i = 1; i < ticks.length; i++) {
      if (ticks[i][2] === ticks[i - 1][2]) assert.ok(ticks[i][0] >= ticks[i - 1][1] - 0.5, 'curve ticks overlap');
    }
    // Every block of a heatmap can be reached: the tables scroll inside their card (not the
    // page), and the page says so.
    const cols = await page.locator('#heatmaps table').first().locator('thead th.hm-col').count();
    assert.equal(cols, 27);
    const scroll = await page.locator('#heatmaps').evaluate((el) => ({ overflow: getComputedStyle(el).overflowX, wide: el.scrollWidth > el.clientWidth }));
    if (scroll.wide) {
      assert.equal(scroll.overflow, 'auto');
      assert.equal(await page.locator('.narrow-only').first().isVisible(), true);
    }
    // No two texts of the diagram, and no two column labels of a heatmap, overlap.
    for (const sel of ['.explain-diagram text', '#heatmaps table:first-of-type thead th']) {
      const boxes = await page.locator(sel).evaluateAll((els) => els.map((e) => {
        const b = e.getBoundingClientRect();
        return { t: e.textContent.trim(), l: b.left, r: b.right, top: b.top, bot: b.bottom };
      }));
      for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) {
          const [p, q] = [boxes[i], boxes[j]];
          const overlap = Math.min(p.r, q.r) - Math.max(p.l, q.l) > 0.5 && Math.min(p.bot, q.bot) - Math.max(p.top, q.top) > 0.5;
          assert.ok(!overlap, `${sel}: “${p.t}” overlaps “${q.t}”`);
        }
      }
    }
    // Labels of the accuracy buckets and of the cost tenths do not run into each other.
    for (const sel of ['#buckets .bucket-value', '#buckets .bucket-range', '#dynamics .dyn-bar-label']) {
      const boxes = await page.locator(sel).evaluateAll((els) => els.map((e) => {
        const r = document.createRange();
        r.selectNodeContents(e);
        const b = r.getBoundingClientRect();
        return [b.left, b.right];
      }));
      for (let i = 1; i < boxes.length; i++) assert.ok(boxes[i][0] >= boxes[i - 1][1] - 0.5, `${sel} ${i} overlaps its neighbour`);
    }
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
  } finally {
    await page.setViewportSize({ width: 1280, height: 900 });
  }
});

test('at 390 px the tour card never covers the card it explains', async () => {
  await page.setViewportSize({ width: 390, height: 800 });
  try {
    await page.locator('#tour-start').click();
    for (let n = 1; n <= 5; n++) {
      if (n > 1) await page.locator('#tour-next').click();
      await atStep(n);
      const [tour, target] = await page.evaluate(() => [document.getElementById('tour'), document.querySelector('.tour-target')]
        .map((el) => el.getBoundingClientRect()).map((r) => ({ top: r.top, bottom: r.bottom })));
      assert.ok(tour.bottom <= target.top + 1, `step ${n}: the tour card (bottom ${tour.bottom}) covers its card (top ${target.top})`);
    }
    await page.keyboard.press('Escape');
  } finally {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.locator('#reset-all').click();
  }
  errors.assertNone();
});

test('presentation mode enlarges the type and keeps the key views', async () => {
  const present = page.locator('#present');
  await present.click();
  try {
    assert.equal(await present.getAttribute('aria-pressed'), 'true');
    assert.equal(await page.evaluate(() => getComputedStyle(document.documentElement).fontSize), '20px');
    for (const sel of ['#glossary', '#classes-card', '#compare-card', '#measure']) {
      assert.equal(await page.locator(sel).isVisible(), false, `${sel} is hidden`);
    }
    for (const sel of ['#viz .block', '#curve svg', '#dynamics .dyn', '#pred-label']) {
      assert.equal(await page.locator(sel).first().isVisible(), true, `${sel} stays`);
    }
  } finally {
    await present.click();
  }
  assert.equal(await page.evaluate(() => getComputedStyle(document.documentElement).fontSize), '16px');
  errors.assertNone();
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
