// Unit tests of www/js/link.js: a link to a view is read back as the same view; bad values in an
// address are ignored, not obeyed.

import test from 'node:test';
import assert from 'node:assert/strict';

import { readLink, linkUrl } from '../../www/js/link.js';

test('linkUrl and readLink round-trip image, thresholds and backend', () => {
  const url = linkUrl('https://example.org/lcnet/?old=1#x', { image: 'cat 1.png', tauL: 0.05, tauC: 0.12000001, backend: 'cpu' });
  assert.equal(url, 'https://example.org/lcnet/?image=cat+1.png&tauL=0.05&tauC=0.12&backend=cpu#x');
  assert.deepEqual(readLink(new URL(url).search), { image: 'cat 1.png', tauL: 0.05, tauC: 0.12, backend: 'cpu' });
  // An uploaded image is not in the link.
  assert.equal(new URL(linkUrl('http://h/', { image: null, tauL: 0, tauC: 0, backend: 'webgpu' })).searchParams.has('image'), false);
});

test('readLink ignores what it cannot use', () => {
  assert.deepEqual(readLink(''), { image: null, tauL: null, tauC: null, backend: null });
  assert.deepEqual(readLink('?image=../weights/model.json&tauL=2&tauC=-0.1&backend=tpu'),
    { image: null, tauL: null, tauC: null, backend: null });
  assert.deepEqual(readLink('?tauL=&tauC=abc'), { image: null, tauL: null, tauC: null, backend: null });
  assert.equal(readLink('?tauC=1').tauC, 1);
});
