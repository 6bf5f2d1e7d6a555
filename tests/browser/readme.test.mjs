// The README's headless example ("Driving the page from a script") runs as a user would run it:
// the code block after `<!-- headless-example -->`, saved in the repository and started with node
// against the built page, prints the classified gallery image and a 100-image measurement.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { requireBuild, serve, ROOT, CHROMIUM } from './harness.mjs';

const cleanup = [];
after(async () => {
  for (const f of cleanup.reverse()) await f();
});

test('the README’s headless example runs and prints its results', async () => {
  requireBuild();
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const block = readme.split('<!-- headless-example -->')[1]?.match(/```js\n([\s\S]*?)```/)?.[1];
  assert.ok(block, 'README.md has the example after <!-- headless-example -->');
  const dir = join(ROOT, 'target', 'readme-example');
  await mkdir(dir, { recursive: true });
  const script = join(dir, 'headless.mjs');
  await writeFile(script, block);
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const server = await serve();
  cleanup.push(() => server.close());
  const { stdout } = await promisify(execFile)('node', [script], {
    cwd: ROOT,
    env: { ...process.env, LCNET_URL: server.url, LCNET_CHROMIUM: CHROMIUM },
    timeout: 300_000,
  });
  assert.match(stdout, /^\S+\.png: \w+, \d+ of \d+ blocks, [\d.]+% of the static MACs$/m);
  assert.match(stdout, /^100 test images at τL = τC = 0\.05: [\d.]+% correct, [\d.]+% of the static MACs$/m);
});
