import { describe, expect, it } from "vitest";
import { exceedsJsonDepth } from "../../src/platform/jsonDepth.js";
import { apiHarness } from "../support/apiHarness.js";

const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);

describe("JSON depth bound", () => {
  it("counts object and array nesting, not brackets inside strings", () => {
    expect(exceedsJsonDepth(nested(100), 100)).toBe(false);
    expect(exceedsJsonDepth(nested(101), 100)).toBe(true);
    expect(exceedsJsonDepth('{"a":[{"b":{}}]}', 4)).toBe(false);
    expect(exceedsJsonDepth('{"a":[{"b":{}}]}', 3)).toBe(true);
    expect(exceedsJsonDepth(JSON.stringify({ s: "[[[[{{{{" }), 1)).toBe(false);
    expect(exceedsJsonDepth(JSON.stringify({ s: 'quote \\" [[[[' }), 1)).toBe(false);
    expect(exceedsJsonDepth(`[${JSON.stringify('\\')},[[]]]`, 2)).toBe(true);
  });

  it("the JSON API answers deeply nested bodies 400 in its error shape, on every JSON route", async () => {
    const { app, signUp } = await apiHarness();
    const token = await signUp("alice");
    for (const depth of [101, 5000, 200_000]) {
      for (const [method, url] of [
        ["POST", "/api/v1/accounts"],
        ["PATCH", "/api/v1/me/profile"],
        ["POST", "/api/v1/rooms"],
      ] as const) {
        const res = await app.inject({
          method,
          url,
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          payload: `{"displayName":${nested(depth)}}`,
        });
        expect(res.statusCode, `${method} ${url} at depth ${depth}`).toBe(400);
        expect(res.json()).toEqual({ error: { code: "INVALID_INPUT", message: "JSON nested deeper than 100 levels" } });
      }
    }
  });
});
