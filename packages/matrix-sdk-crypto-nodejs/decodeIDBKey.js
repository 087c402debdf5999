// @ts-check
"use strict";

const { TAG } = require("./encodeIDBKey.js");

const float = new DataView(new ArrayBuffer(8));

class Reader {
  /**
   * @param {string} s latin1
   * @param {number} pos
   */
  constructor(s, pos) {
    this.s = s;
    this.pos = pos;
  }

  byte() {
    if (this.pos >= this.s.length) throw new RangeError("Truncated IndexedDB key encoding");
    return this.s.charCodeAt(this.pos++);
  }

  number() {
    const negative = !(this.s.charCodeAt(this.pos) & 0x80);
    for (let i = 0; i < 8; i++) {
      const b = this.byte();
      float.setUint8(i, negative ? ~b & 0xff : i === 0 ? b & 0x7f : b);
    }
    return float.getFloat64(0);
  }

  string() {
    let out = "";
    for (let b = this.byte(); b !== TAG.end; b = this.byte()) {
      if (b < 0x80) out += String.fromCharCode(b - 1);
      else if (b < 0xc0) out += String.fromCharCode((((b & 0x3f) << 8) | this.byte()) + 0x7f);
      else out += String.fromCharCode((this.byte() << 8) | this.byte());
    }
    return out;
  }

  binary() {
    /** @type {number[]} */
    const bytes = [];
    for (let b = this.byte(); b !== TAG.end; b = this.byte()) {
      bytes.push(b === 0x01 ? this.byte() - 1 : b);
    }
    return new Uint8Array(bytes).buffer;
  }

  /** @returns {unknown} */
  key() {
    const tag = this.byte();
    switch (tag) {
      case TAG.number:
        return this.number();
      case TAG.date:
        return new Date(this.number());
      case TAG.string:
        return this.string();
      case TAG.binary:
        return this.binary();
      case TAG.array: {
        const items = [];
        while (this.s.charCodeAt(this.pos) !== TAG.end) items.push(this.key());
        this.pos++;
        return items;
      }
      default:
        throw new RangeError(`Unknown IndexedDB key tag 0x${tag.toString(16)}`);
    }
  }
}

/**
 * Decodes what `encodeIDBKey` produced; binary keys come back as ArrayBuffer, as IndexedDB returns them.
 * @param {string} encoded latin1
 * @param {number} [offset] where the key starts
 * @returns {unknown}
 */
function decodeIDBKey(encoded, offset = 0) {
  const reader = new Reader(encoded, offset);
  const key = reader.key();
  if (reader.pos !== encoded.length) throw new RangeError("Trailing bytes after IndexedDB key encoding");
  return key;
}

module.exports = { decodeIDBKey };
