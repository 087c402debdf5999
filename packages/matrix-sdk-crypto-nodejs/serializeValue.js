// @ts-check
"use strict";

const v8 = require("node:v8");

// The base v8.Serializer (not DefaultSerializer) writes ArrayBuffer views natively, which is
// exactly structuredClone: views keep their type and share their underlying buffers.

/**
 * Serializes a structured-clonable value (what IndexedDB stores) to bytes.
 * @param {unknown} value
 * @returns {Buffer}
 */
function serializeValue(value) {
  const serializer = new v8.Serializer();
  serializer.writeHeader();
  serializer.writeValue(value);
  return serializer.releaseBuffer();
}

/**
 * @param {Uint8Array} bytes from serializeValue
 * @returns {unknown}
 */
function deserializeValue(bytes) {
  const deserializer = new v8.Deserializer(bytes);
  deserializer.readHeader();
  return deserializer.readValue();
}

module.exports = { serializeValue, deserializeValue };
