// @ts-check
"use strict";

/**
 * Type tags, ascending in IndexedDB key order (number < date < string < binary < array).
 * Every encoding is self-delimiting, so the byte order of two encodings equals
 * the IndexedDB order of the keys and no encoding is a prefix of another.
 */
const TAG = Object.freeze({ end: 0x00, number: 0x10, date: 0x20, string: 0x30, binary: 0x40, array: 0x50 });

const float = new DataView(new ArrayBuffer(8));

/**
 * @param {number[]} out
 * @param {number} n
 */
function writeNumber(out, n) {
  float.setFloat64(0, n === 0 ? 0 : n);
  const negative = float.getUint8(0) & 0x80;
  for (let i = 0; i < 8; i++) {
    const b = float.getUint8(i);
    out.push(negative ? ~b & 0xff : i === 0 ? b | 0x80 : b);
  }
}

/**
 * UTF-16 code units in 1-3 bytes, order-preserving, never starting with 0x00 (the terminator).
 * @param {number[]} out
 * @param {string} s
 */
function writeString(out, s) {
  for (let i = 0; i < s.length; i++) {
    const u = s.charCodeAt(i);
    if (u < 0x7f) {
      out.push(u + 1);
    } else if (u < 0x7f + 0x3f80) {
      const v = u - 0x7f;
      out.push(0x80 | (v >> 8), v & 0xff);
    } else {
      out.push(0xc0, u >> 8, u & 0xff);
    }
  }
  out.push(TAG.end);
}

/**
 * Bytes 0x00 and 0x01 are escaped as 0x01 0x01 and 0x01 0x02.
 * @param {number[]} out
 * @param {Uint8Array} bytes
 */
function writeBinary(out, bytes) {
  for (const b of bytes) {
    if (b <= 0x01) out.push(0x01, b + 1);
    else out.push(b);
  }
  out.push(TAG.end);
}

/**
 * @param {number[]} out
 * @param {unknown} key
 */
function write(out, key) {
  if (typeof key === "number") {
    out.push(TAG.number);
    writeNumber(out, key);
  } else if (typeof key === "string") {
    out.push(TAG.string);
    writeString(out, key);
  } else if (key instanceof Date) {
    out.push(TAG.date);
    writeNumber(out, key.getTime());
  } else if (key instanceof ArrayBuffer || key instanceof SharedArrayBuffer) {
    out.push(TAG.binary);
    writeBinary(out, new Uint8Array(key));
  } else if (ArrayBuffer.isView(key)) {
    out.push(TAG.binary);
    writeBinary(out, new Uint8Array(key.buffer, key.byteOffset, key.byteLength));
  } else if (Array.isArray(key)) {
    out.push(TAG.array);
    for (const item of key) write(out, item);
    out.push(TAG.end);
  } else {
    throw new TypeError(`Not an IndexedDB key: ${Object.prototype.toString.call(key)}`);
  }
}

/**
 * Encodes a valid IndexedDB key as a latin1 string whose code-unit order is the IndexedDB key order.
 * @param {unknown} key
 * @returns {string}
 */
function encodeIDBKey(key) {
  /** @type {number[]} */
  const out = [];
  write(out, key);
  return Buffer.from(out).toString("latin1");
}

module.exports = { encodeIDBKey, TAG };
