// Test images made on the fly: a minimal PNG encoder (node's zlib for the deflate stream) for
// the colour types and bit depths the page must accept or refuse.

import { createDeflate, deflateRawSync, deflateSync } from 'node:zlib';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buffers) {
  let c = 0xffffffff;
  for (const b of buffers) for (let i = 0; i < b.length; i++) c = CRC_TABLE[(c ^ b[i]) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const t = Buffer.from(type, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32([t, data]));
  return Buffer.concat([len, t, data, crc]);
}

const SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
// Channels per colour type: grey, RGB, palette, grey+alpha, RGBA.
const CHANNELS = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

function ihdr(width, height, bitDepth, colorType) {
  const b = Buffer.alloc(13);
  b.writeUInt32BE(width, 0);
  b.writeUInt32BE(height, 4);
  b[8] = bitDepth;
  b[9] = colorType;
  return chunk('IHDR', b); // compression, filter, interlace: 0
}

/**
 * A PNG from a sample function.
 * @param {{width: number, height: number, bitDepth?: 8|16, colorType: 0|2|4|6,
 *   sample: (x: number, y: number) => number[]}} o `sample` returns one value per channel,
 *   0..255 for 8 bit and 0..65535 for 16 bit
 * @returns {Buffer}
 */
export function png({ width, height, bitDepth = 8, colorType, sample }) {
  const ch = CHANNELS[colorType];
  const bps = bitDepth / 8;
  const stride = 1 + width * ch * bps;
  const raw = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    raw[y * stride] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      const v = sample(x, y);
      for (let c = 0; c < ch; c++) {
        const at = y * stride + 1 + (x * ch + c) * bps;
        if (bps === 2) raw.writeUInt16BE(v[c], at);
        else raw[at] = v[c];
      }
    }
  }
  return Buffer.concat([
    SIGNATURE,
    ihdr(width, height, bitDepth, colorType),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * A valid one-colour 8-bit RGB PNG of any size, deflated row by row so that even
 * 12000x12000 (432 MB of pixels) needs little memory; it compresses to well under 1 MB.
 * @param {number} width
 * @param {number} height
 * @param {[number, number, number]} rgb
 * @returns {Promise<Buffer>}
 */
export async function solidPngStreamed(width, height, rgb) {
  const row = Buffer.alloc(1 + width * 3);
  for (let x = 0; x < width; x++) row.set(rgb, 1 + 3 * x);
  const deflate = createDeflate({ level: 9 });
  const parts = [];
  deflate.on('data', (d) => parts.push(d));
  const done = new Promise((ok, fail) => {
    deflate.on('end', ok);
    deflate.on('error', fail);
  });
  for (let y = 0; y < height; y++) {
    if (!deflate.write(row)) await new Promise((ok) => deflate.once('drain', ok));
  }
  deflate.end();
  await done;
  return Buffer.concat([
    SIGNATURE,
    ihdr(width, height, 8, 2),
    chunk('IDAT', Buffer.concat(parts)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** An SVG image (refused: the page classifies raster images only). */
export const SVG = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">' +
  '<rect width="64" height="64" fill="#0072B2"/><circle cx="32" cy="32" r="20" fill="#E69F00"/></svg>\n',
);

/** A text file. */
export const TEXT = Buffer.from('These are notes, not an image.\nLC-Net skips blocks and channels.\n');

/**
 * A zip with the given files (stored or deflated), laid out as the JPEG mirror's zip is.
 * @param {Array<[string, Buffer, boolean]>} files name, contents, whether to deflate
 * @returns {Uint8Array}
 */
export function zip(files) {
  const parts = [];
  const central = [];
  let offset = 0;
  for (const [name, data, deflate] of files) {
    const body = deflate ? deflateRawSync(data) : Buffer.from(data);
    const n = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(deflate ? 8 : 0, 8);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(n.length, 26);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(deflate ? 8 : 0, 10);
    c.writeUInt32LE(body.length, 20);
    c.writeUInt32LE(data.length, 24);
    c.writeUInt16LE(n.length, 28);
    c.writeUInt32LE(offset, 42);
    parts.push(local, n, body);
    central.push(c, n);
    offset += local.length + n.length + body.length;
  }
  const dir = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...parts, dir, end]));
}
