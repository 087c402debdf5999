import { readFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchPublicImage, ImageFetchError } from "../../src/http/fetchPublicImage.js";
import { isPublicAddress } from "../../src/http/isPublicAddress.js";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const ca = fixture("localhost.cert.pem");
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");

/** A private https server standing in for the public web; only tests that trust it may reach it. */
let server: Server;
let base: string;
const routes: Record<string, (res: ServerResponse) => void> = {
  "/a.png": (res) => res.writeHead(200, { "content-type": "image/png" }).end(PNG),
  "/html.png": (res) => res.writeHead(200, { "content-type": "image/png" }).end("<html>not an image</html>"),
  "/page": (res) => res.writeHead(200, { "content-type": "text/html" }).end("<html></html>"),
  "/image.svg": (res) => res.writeHead(200, { "content-type": "image/svg+xml" }).end("<svg/>"),
  "/declared-large.png": (res) => res.writeHead(200, { "content-type": "image/png", "content-length": "5000" }).end(Buffer.concat([PNG, Buffer.alloc(5000 - PNG.length)])),
  "/streamed-large.png": (res) => {
    res.writeHead(200, { "content-type": "image/png" });
    res.write(PNG);
    res.end(Buffer.alloc(5000));
  },
  "/to-http": (res) => res.writeHead(302, { location: "http://localhost/a.png" }).end(),
  "/to-a": (res) => res.writeHead(302, { location: "/a.png" }).end(),
  "/loop": (res) => res.writeHead(302, { location: "/loop" }).end(),
  "/missing": (res) => res.writeHead(404).end(),
  "/broken": (res) => res.writeHead(503).end(),
  "/hang": () => undefined,
};

beforeAll(async () => {
  server = createServer({ key: fixture("localhost.key.pem"), cert: ca }, (req, res) => (routes[req.url ?? ""] ?? routes["/missing"]!)(res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `https://localhost:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Trusts the test server and lets it count as reachable: everything else is the production path. */
const trusting = { maxBytes: 1000, timeoutMs: 5000, ca, isAllowedAddress: (address: string) => address === "127.0.0.1" || address === "::1" };
const refusal = (errcode: string, statusCode = 400) => expect.objectContaining({ name: "ImageFetchError", statusCode, errcode });

describe("fetchPublicImage", () => {
  it("fetches a small image of an allowed type, following a redirect on the same terms", async () => {
    expect(await fetchPublicImage(`${base}/a.png`, trusting)).toEqual({ bytes: PNG, contentType: "image/png", width: 1, height: 1 });
    expect((await fetchPublicImage(`${base}/to-a`, trusting)).bytes).toEqual(PNG);
  });

  it("refuses loopback and private addresses, by literal or after resolving the name", async () => {
    const production = { maxBytes: 1000, timeoutMs: 5000, ca };
    await expect(fetchPublicImage(`${base}/a.png`, production)).rejects.toThrow(refusal("PRIVATE_ADDRESS"));
    const port = (server.address() as AddressInfo).port;
    for (const host of ["127.0.0.1", "[::1]", "10.0.0.1", "169.254.169.254", "[::ffff:127.0.0.1]", "[fd00::1]"]) {
      await expect(fetchPublicImage(`https://${host}:${port}/a.png`, production), host).rejects.toThrow(refusal("PRIVATE_ADDRESS"));
    }
  });

  it("refuses what is not https, carries credentials, or redirects to either", async () => {
    await expect(fetchPublicImage("http://example.org/a.png", trusting)).rejects.toThrow(refusal("NOT_HTTPS"));
    await expect(fetchPublicImage("file:///etc/passwd", trusting)).rejects.toThrow(refusal("NOT_HTTPS"));
    await expect(fetchPublicImage(`https://user:pw@localhost/a.png`, trusting)).rejects.toThrow(refusal("BAD_URL"));
    await expect(fetchPublicImage(`${base}/to-http`, trusting)).rejects.toThrow(refusal("NOT_HTTPS"));
    await expect(fetchPublicImage(`${base}/loop`, trusting)).rejects.toThrow(refusal("TOO_MANY_REDIRECTS"));
  });

  it("refuses what is not a raster image, or lies about being one", async () => {
    await expect(fetchPublicImage(`${base}/page`, trusting)).rejects.toThrow(refusal("NOT_AN_IMAGE"));
    await expect(fetchPublicImage(`${base}/image.svg`, trusting)).rejects.toThrow(refusal("NOT_AN_IMAGE"));
    await expect(fetchPublicImage(`${base}/html.png`, trusting)).rejects.toThrow(refusal("NOT_AN_IMAGE"));
  });

  it("refuses images over the size cap, declared or streamed", async () => {
    await expect(fetchPublicImage(`${base}/declared-large.png`, trusting)).rejects.toThrow(refusal("TOO_LARGE"));
    await expect(fetchPublicImage(`${base}/streamed-large.png`, trusting)).rejects.toThrow(refusal("TOO_LARGE"));
  });

  it("classifies remote failures and timeouts as worth retrying (502), other statuses as refusals", async () => {
    await expect(fetchPublicImage(`${base}/missing`, trusting)).rejects.toThrow(refusal("REMOTE_STATUS"));
    await expect(fetchPublicImage(`${base}/broken`, trusting)).rejects.toThrow(refusal("REMOTE_STATUS", 502));
    await expect(fetchPublicImage(`${base}/hang`, { ...trusting, timeoutMs: 200 })).rejects.toThrow(refusal("TIMEOUT", 502));
    const error = await fetchPublicImage("https://localhost:1/a.png", trusting).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageFetchError);
    expect(error).toMatchObject({ statusCode: 502, errcode: "UNREACHABLE" });
  });
});

describe("isPublicAddress", () => {
  it("accepts public unicast only", () => {
    for (const ok of ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"]) expect(isPublicAddress(ok), ok).toBe(true);
    for (const no of [
      "127.0.0.1",
      "10.1.2.3",
      "172.16.0.1",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "224.0.0.1",
      "255.255.255.255",
      "::1",
      "::",
      "fe80::1",
      "fd12::1",
      "ff02::1",
      "2001:db8::1",
      "2002:7f00:1::",
      "::ffff:127.0.0.1",
      "::ffff:7f00:1",
      "not an address",
    ]) {
      expect(isPublicAddress(no), no).toBe(false);
    }
  });
});
