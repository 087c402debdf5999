import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MediaRef } from "../../src/platform/media/MediaRef.js";
import type { ImageImport } from "../../src/platform/ports/ImageImports.js";
import type { MediaSource } from "../../src/platform/ports/MediaSource.js";
import { externalImageSignature, externalImageUrlUnder } from "../../src/platform/render/externalImageUrl.js";
import { apiHarness } from "../support/apiHarness.js";

/* /media/external/{signature}?url=…: images by URL from Mirage's uploaded copy, only for links Mirage signed. */

const KEY = "route-test-key";
const PNG = Buffer.concat([Buffer.from("89504e470d0a1a0a", "hex"), Buffer.alloc(100, 1)]);
const GOOD = "https://img.example/cat.png";
const UPLOAD_FAILS = "https://img.example/upload-fails.png";
const BAD = "https://127.0.0.1/cat.png";

let api: Awaited<ReturnType<typeof apiHarness>>;
const imported: string[] = [];
const served: MediaRef[] = [];

const source: MediaSource = {
  async fetch(ref) {
    served.push(ref);
    return { contentType: "image/png", contentLength: PNG.length, body: Readable.from([PNG]) };
  },
};
const images = {
  async imported(url: string): Promise<ImageImport> {
    imported.push(url);
    if (url === UPLOAD_FAILS) throw Object.assign(new Error("M_LIMIT_EXCEEDED"), { statusCode: 429 });
    return url === GOOD ? { image: { mxc: "mxc://hs.example/uploaded1", mimetype: "image/png", size: PNG.length, width: 1, height: 1 } } : { refused: "PRIVATE_ADDRESS" };
  },
};
const path = (url: string, signature = externalImageSignature(KEY, url)) => `/media/external/${signature}?url=${encodeURIComponent(url)}`;

beforeAll(async () => {
  api = await apiHarness({ media: { source, external: { key: KEY, images } } });
});
afterAll(async () => {
  await api.app.close();
});

describe("GET /media/external/{signature}", () => {
  it("serves the uploaded copy of a signed image link, with the media safety headers", async () => {
    const link = externalImageUrlUnder("http://mirage.test", KEY)(GOOD);
    expect(link).toBe(`http://mirage.test${path(GOOD)}`);
    const res = await api.app.inject({ method: "GET", url: path(GOOD) });
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload).toEqual(PNG);
    expect(res.headers["content-type"]).toBe("image/png");
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["content-security-policy"]).toContain("default-src 'none'");
    expect(served.at(-1)).toMatchObject({ server: "hs.example", mediaId: "uploaded1" });
  });

  it("answers 404 for a link Mirage did not sign, without fetching anything", async () => {
    imported.length = 0;
    for (const url of [path(GOOD, externalImageSignature("other-key", GOOD)), path(BAD, externalImageSignature(KEY, GOOD))]) {
      const res = await api.app.inject({ method: "GET", url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code).toBe("NOT_FOUND");
    }
    expect(imported).toEqual([]);
  });

  it("answers 404 for an image that cannot be fetched, so the page shows its alt text", async () => {
    const res = await api.app.inject({ method: "GET", url: path(BAD) });
    expect(res.statusCode).toBe(404);
    expect(res.headers["cache-control"]).toBeUndefined();
  });

  it("answers 503 when the image cannot be uploaded or stored now", async () => {
    const res = await api.app.inject({ method: "GET", url: path(UPLOAD_FAILS) });
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe("HOMESERVER_UNAVAILABLE");
  });

  it("validates its parameters", async () => {
    for (const url of ["/media/external/short?url=https%3A%2F%2Fa.example%2F", `/media/external/${externalImageSignature(KEY, "ftp://a")}?url=ftp%3A%2F%2Fa`, `/media/external/${externalImageSignature(KEY, GOOD)}`]) {
      const res = await api.app.inject({ method: "GET", url });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error.code).toBe("INVALID_INPUT");
    }
  });

  it("is described in the OpenAPI document", async () => {
    const doc = (await api.app.inject({ method: "GET", url: "/api/v1/openapi.json" })).json();
    const op = doc.paths["/media/external/{signature}"]?.get;
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(["200", "400", "404", "429"]));
  });
});
