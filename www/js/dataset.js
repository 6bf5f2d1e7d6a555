// Test images for "measure it yourself", read the way the Rust crate reads them
// (crate/src/dataset.rs): CIFAR-10's binary format (a label byte and 3072 bytes of CHW pixels per
// image: the official `test_batch.bin`, or the subset the page ships), or the JPEG mirror's zip
// (`test/<class>/NNNN.jpg`, class by class, then by name). Pure functions, no DOM: the zip's
// deflated files are inflated by the caller's `inflate`.

import { formatWhole } from './view.js';

const SIDE = 32;
const PIXELS = SIDE * SIDE;
/** Bytes of one record of the binary format. */
export const RECORD = 1 + 3 * PIXELS;

/** Test images per request of a measurement (small enough for a prompt Cancel and progress): a
 * CPU worker's unit of work, and what the WebGPU model holds per submission (one readback each). */
export const CHUNK = 20;

/**
 * Images in the next request of a measurement that `slots` requests share: `batch` while much
 * is left, then smaller, so that the workers run out of work together (with whole chunks, one
 * worker could sit idle at the end while the other ran the one or two chunks it had queued).
 * @param {number} left images not yet handed out
 * @param {number} slots requests in flight at a time (over all workers)
 * @param {number} batch the largest request
 * @returns {number} at least 1 (when any are left), at most `batch` and `left`
 */
export function chunkSize(left, slots, batch) {
  return Math.min(left, batch, Math.max(1, Math.ceil(left / (2 * slots))));
}

/**
 * Reads a CIFAR binary file.
 * @param {Uint8Array} bytes
 * @param {number} numClasses labels must be below it
 * @returns {{kind: 'bin', count: number, label: (i: number) => number, rgb: (i: number) => Uint8Array}}
 *   `rgb(i)`: image i as 32x32 HWC bytes, what the network takes
 * @throws {Error} a message for people when the file is not such a file
 */
export function readCifarBin(bytes, numClasses) {
  if (!bytes.length || bytes.length % RECORD !== 0) {
    throw new Error(`not a CIFAR binary file: ${formatWhole(bytes.length)} bytes is not a positive multiple of ${RECORD}`);
  }
  const count = bytes.length / RECORD;
  for (let i = 0; i < count; i++) {
    if (bytes[i * RECORD] >= numClasses) {
      throw new Error(`not a CIFAR-10 binary file: record ${i} has label ${bytes[i * RECORD]}, the model has ${numClasses} classes`);
    }
  }
  return {
    kind: 'bin',
    count,
    label: (i) => bytes[i * RECORD],
    rgb(i) {
      const r = bytes.subarray(i * RECORD + 1, (i + 1) * RECORD);
      const out = new Uint8Array(3 * PIXELS);
      for (let p = 0; p < PIXELS; p++) {
        for (let c = 0; c < 3; c++) out[p * 3 + c] = r[c * PIXELS + p];
      }
      return out;
    },
  };
}

/**
 * The records `lcnet eval --limit n` uses out of `count`: floor(i * count / n), evenly spread.
 * @param {number} count
 * @param {number} n 0 or >= count: all
 * @returns {number[]}
 */
export function spread(count, n) {
  if (!(n > 0) || n >= count) return Array.from({ length: count }, (_, i) => i);
  return Array.from({ length: n }, (_, i) => Math.floor((i * count) / n));
}

/**
 * The test images of the JPEG mirror's zip: `test/<class>/*` entries of the model's classes,
 * sorted by name (as the crate sorts them).
 * @param {Uint8Array} bytes the zip file
 * @param {string[]} classNames
 * @param {(deflated: Uint8Array) => Promise<Uint8Array>} inflate raw deflate
 * @returns {{kind: 'zip', count: number, label: (i: number) => number, file: (i: number) => Promise<Uint8Array>}}
 *   `file(i)`: the JPEG bytes of image i, to be decoded like an upload
 * @throws {Error} when it is no zip or holds no test images of these classes
 */
export function readJpegZip(bytes, classNames, inflate) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // The end-of-central-directory record: signature 0x06054b50, within the last 64 KiB + 22 bytes.
  let end = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) {
    if (dv.getUint32(i, true) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error('not a zip file (no central directory)');
  const entries = dv.getUint16(end + 10, true);
  let at = dv.getUint32(end + 16, true);
  const text = new TextDecoder();
  const files = [];
  for (let k = 0; k < entries; k++) {
    if (at + 46 > bytes.length || dv.getUint32(at, true) !== 0x02014b50) throw new Error('a damaged zip file (bad central directory)');
    const method = dv.getUint16(at + 10, true);
    const size = dv.getUint32(at + 20, true);
    const nameLen = dv.getUint16(at + 28, true);
    const extraLen = dv.getUint16(at + 30, true);
    const commentLen = dv.getUint16(at + 32, true);
    const offset = dv.getUint32(at + 42, true);
    const name = text.decode(bytes.subarray(at + 46, at + 46 + nameLen));
    at += 46 + nameLen + extraLen + commentLen;
    const parts = name.split('/');
    const label = classNames.indexOf(parts[1]);
    if (parts[0] !== 'test' || name.endsWith('/') || label < 0) continue;
    files.push({ name, label, method, size, offset });
  }
  if (!files.length) throw new Error(`no test/<class>/ images of this model's classes (${classNames.join(', ')}) in the zip`);
  files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    kind: 'zip',
    count: files.length,
    label: (i) => files[i].label,
    async file(i) {
      const f = files[i];
      const nameLen = dv.getUint16(f.offset + 26, true);
      const extraLen = dv.getUint16(f.offset + 28, true);
      const start = f.offset + 30 + nameLen + extraLen;
      const data = bytes.subarray(start, start + f.size);
      if (f.method === 0) return data;
      if (f.method === 8) return inflate(data);
      throw new Error(`${f.name}: compression method ${f.method} is not supported`);
    },
  };
}

/**
 * Reads a dropped test set: the binary format by its size, else a zip.
 * @param {Uint8Array} bytes
 * @param {string[]} classNames
 * @param {(deflated: Uint8Array) => Promise<Uint8Array>} inflate
 * @returns {ReturnType<typeof readCifarBin>|ReturnType<typeof readJpegZip>}
 */
export function readTestSet(bytes, classNames, inflate) {
  const zip = bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b;
  if (zip) return readJpegZip(bytes, classNames, inflate);
  if (bytes.length % RECORD === 0 && bytes.length) return readCifarBin(bytes, classNames.length);
  throw new Error('this is neither CIFAR-10 test data in the binary format (test_batch.bin) nor the JPEG mirror’s zip');
}

/**
 * Running totals of a measurement, and what the progress line says.
 * @param {{done: number, correct: number, macs: number, total: number, ms: number}} r
 *   images done, right, MACs summed, images planned, milliseconds so far
 * @param {number} staticMacs
 * @returns {{accuracy: number, macsRatio: number, perSecond: number, etaMs: number}}
 */
export function measureTotals(r, staticMacs) {
  const perSecond = r.ms > 0 ? (r.done * 1000) / r.ms : NaN;
  return {
    accuracy: r.done ? r.correct / r.done : NaN,
    macsRatio: r.done && staticMacs > 0 ? r.macs / r.done / staticMacs : NaN,
    perSecond,
    etaMs: r.done ? ((r.total - r.done) * r.ms) / r.done : NaN,
  };
}
