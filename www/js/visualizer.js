// The gate visualizer's interactions: a block's numbers in a tooltip on hover and keyboard focus,
// and arrow keys between blocks. The tiles themselves are drawn by draw.js (result.js mounts
// them); a new result hides the tooltip.

import { LAYOUT } from './theme.js';
import * as D from './draw.js';
import { $, state } from './state.js';
import { subscribe } from './shown.js';

let tipBlock = null;

function showTip(el) {
  const tip = $('viz-tip');
  const i = Number(el.dataset.block);
  const b = state.view && state.view.stages.flatMap((s) => s.blocks).find((x) => x.index === i);
  if (!b) return;
  if (tipBlock && tipBlock !== el) tipBlock.removeAttribute('aria-describedby');
  tipBlock = el;
  D.mount(tip, D.tooltipTree(b));
  tip.hidden = false;
  el.setAttribute('aria-describedby', 'viz-tip');
  // Beside the block (right, else left), else below it; always inside the visualizer's box.
  const wrap = $('viz-wrap').getBoundingClientRect();
  const r = el.getBoundingClientRect();
  const w = tip.offsetWidth;
  const gap = LAYOUT.blockGap;
  let left;
  let top = r.top - wrap.top;
  if (r.right - wrap.left + gap + w <= wrap.width) left = r.right - wrap.left + gap;
  else if (r.left - wrap.left - gap - w >= 0) left = r.left - wrap.left - gap - w;
  else {
    left = Math.max(0, Math.min(r.left - wrap.left, wrap.width - w));
    top = r.bottom - wrap.top + gap;
  }
  tip.style.left = `${left}px`;
  tip.style.top = `${top}px`;
}

/** Hides the block tooltip (the blocks were redrawn, or the pointer and focus left them). */
function hideTip() {
  if (tipBlock) tipBlock.removeAttribute('aria-describedby');
  tipBlock = null;
  $('viz-tip').hidden = true;
}

/**
 * Wires hover, focus, Escape and the arrow keys on the visualizer, the window's resize, and a new
 * result (its tiles are redrawn).
 */
export function initVisualizer() {
  subscribe(hideTip);
  const viz = $('viz');
  viz.addEventListener('mouseover', (e) => {
    const el = e.target.closest('.block');
    if (el) showTip(el);
  });
  viz.addEventListener('mouseleave', () => {
    if (!viz.contains(document.activeElement)) hideTip();
  });
  viz.addEventListener('focusin', (e) => {
    const el = e.target.closest('.block');
    if (el) showTip(el);
  });
  viz.addEventListener('focusout', (e) => {
    if (!viz.contains(e.relatedTarget)) hideTip();
  });
  // Its position was computed for the old layout (only the width changes the layout).
  let lastWidth = window.innerWidth;
  window.addEventListener('resize', () => {
    if (window.innerWidth !== lastWidth) hideTip();
    lastWidth = window.innerWidth;
  });
  viz.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') hideTip();
    // Arrow keys move between blocks, in network order.
    if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      const blocks = Array.from(viz.querySelectorAll('.block'));
      const i = blocks.indexOf(document.activeElement);
      if (i < 0) return;
      const j = Math.max(0, Math.min(blocks.length - 1, i + (e.key === 'ArrowRight' ? 1 : -1)));
      blocks[j].focus();
      e.preventDefault();
    }
  });
}
