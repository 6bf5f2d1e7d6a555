// What every engine's driver adapter gives the shared scenarios (tests/engines/scenarios.mjs): the
// same few operations whatever the driver underneath (playwright-core for Chromium, puppeteer-core
// over WebDriver BiDi for Firefox, selenium-webdriver over classic WebDriver for WebKit).
//
// An adapter only has to evaluate an async JavaScript expression in the page and hand back the
// string it resolves to; `run` and `waitFor` are built here on top of that, so a script and a
// condition mean exactly the same in the three engines: a function's source with one JSON
// argument, its result passed back as JSON (no driver-specific serialization of values).

/**
 * @typedef {object} Engine
 * @property {'chromium'|'firefox'|'webkit'} name
 * @property {string} browser        the browser and its version, as the driver reports them
 * @property {string} driver         the driver (client and protocol) that drives it
 * @property {(url: string) => Promise<void>} open   loads `url` and waits for its load event
 * @property {<T>(fn: (arg: any) => T|Promise<T>, arg?: any) => Promise<T>} run  runs `fn(arg)` in
 *   the page and resolves with its (JSON) result; rejects with the page's error message
 * @property {<T>(fn: (arg: any) => T, arg?: any, o?: {timeout?: number, what?: string}) => Promise<T>}
 *   waitFor  polls `fn(arg)` in the page until it returns a truthy value (resolved with it);
 *   rejects at once when that value is `{fail: message}` (the page says it failed), or after
 *   `timeout` ms, saying `what` it waited for and the last value or error seen
 * @property {() => Promise<void>} reload   reloads the page and waits for its load event
 * @property {() => Promise<void>} close    quits the browser (and its driver); safe to call twice
 * @property {() => string[]} errors  uncaught exceptions and console errors of the page (and its
 *   workers) that the driver reports; `errorsSeen` says which kinds it can see at all
 * @property {string} errorsSeen
 */

/** Milliseconds between two checks of a `waitFor` condition. */
const POLL_MS = 100;

/**
 * The expression an adapter evaluates for `run(fn, arg)`: an async IIFE that resolves with a
 * JSON string `{ok: value}` or `{error: message}`, never rejects.
 */
export function script(fn, arg) {
  return `(async () => {
  try {
    const value = await (${fn})(${JSON.stringify(arg ?? null)});
    return JSON.stringify({ ok: value === undefined ? null : value });
  } catch (e) {
    return JSON.stringify({ error: String(e && e.stack ? e.message + '\\n' + e.stack : e) });
  }
})()`;
}

/**
 * Completes an adapter: adds `run` and `waitFor` to one that has `evaluate(expression)` (the
 * string an async expression resolves to) besides open, reload, close and errors.
 * @param {Omit<Engine, 'run'|'waitFor'> & {evaluate: (expression: string) => Promise<string>}} a
 * @returns {Engine}
 */
export function engine(a) {
  const run = async (fn, arg) => {
    const answer = JSON.parse(await a.evaluate(script(fn, arg)));
    if ('error' in answer) throw new Error(`in ${a.name}: ${answer.error}`);
    return answer.ok;
  };
  const waitFor = async (fn, arg, { timeout = 60_000, what = String(fn) } = {}) => {
    const end = Date.now() + timeout;
    let last = null;
    for (;;) {
      try {
        const v = await run(fn, arg);
        if (v && typeof v === 'object' && 'fail' in v) {
          throw Object.assign(new Error(`${a.name}: while waiting for ${what}: ${v.fail}`), { fatal: true });
        }
        if (v) return v;
        last = `returned ${JSON.stringify(v)}`;
      } catch (e) {
        if (e.fatal) throw e;
        // A page being replaced (reload, navigation) cannot answer for a moment: try again.
        last = `threw ${e.message}`;
      }
      if (Date.now() > end) throw new Error(`${a.name}: timed out after ${timeout} ms waiting for ${what} (last check ${last})`);
      await new Promise((ok) => setTimeout(ok, POLL_MS));
    }
  };
  return { ...a, run, waitFor };
}

/**
 * `open`, `evaluate` and `reload` of a page object with the API playwright-core and
 * puppeteer-core share (`goto`, `evaluate`, `reload`).
 * @param {{goto: Function, evaluate: Function, reload: Function}} page
 */
export function pageOps(page) {
  return {
    async open(url) {
      await page.goto(url, { waitUntil: 'load' });
    },
    evaluate: (expression) => page.evaluate(expression),
    async reload() {
      await page.reload({ waitUntil: 'load' });
    },
  };
}
