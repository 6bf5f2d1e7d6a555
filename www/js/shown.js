// The shown image and its result (trace and view data), and who is told when they change.
// prediction.js publishes every result here: a new image, or the shown one run again at new
// thresholds or on another backend. The views that draw from it subscribe (the result card,
// the backend line, the compare card, the visualizer's tooltip), so the module that classifies
// imports no view and no view imports another to hear of a new result.
//
// The data itself stays where every module reads it, `state.shown`, `state.output` and
// `state.view` (state.js); this module sets them. (Two narrow edits happen elsewhere: camera.js
// renames a frozen frame, compare.js takes over an upload's object URL when it pins it.)

import { buildView } from './view.js';
import { state } from './state.js';

/** Subscribers, told in the order they subscribed. */
const listeners = [];

/**
 * Calls `listener` after every result of the shown image.
 * @param {(change: {image: boolean}) => void} listener `image`: the image itself is new (not
 *   the shown one run again)
 */
export function subscribe(listener) {
  listeners.push(listener);
}

/**
 * Makes `output` the shown result: of `image`, which becomes the shown image (the previous
 * image's object URL is freed), or without `image` of the image already shown. Then tells every
 * subscriber.
 * @param {{trace: object, prepared: object, timings: object, backend?: string, webgpu?: object}} output
 *   the worker's answer
 * @param {{name: string, url: string, ownUrl?: boolean, truth?: string, kind?: string,
 *   fromGallery?: boolean, live?: boolean}} [image]
 */
export function publish(output, image) {
  if (image) {
    if (state.shown && state.shown.ownUrl) URL.revokeObjectURL(state.shown.url);
    state.shown = { ...image, prepared: output.prepared };
  }
  const view = buildView(output.trace);
  state.output = output;
  state.view = view;
  for (const listener of listeners) listener({ image: Boolean(image) });
}
