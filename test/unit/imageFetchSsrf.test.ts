import type { LookupAddress } from "node:dns";
import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchPublicImage, type PublicImageOptions } from "../../src/http/fetchPublicImage.js";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const ca = fixture("localhost.cert.pem");
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");

/**
 * Every address class a fetch by URL must never reach, in the spellings a URL can carry them:
 * dotted, shortened, decimal, octal and hex IPv4; IPv6 full, compressed, IPv4-mapped (dotted and
 * hex), IPv4-compatible, 6to4, Teredo and NAT64 forms.
 */
const LITERAL_CORPUS: Record<string, string[]> = {
  loopback: ["127.0.0.1", "127.1", "127.0.1", "2130706433", "0x7f000001", "0x7f.0.0.1", "0177.0.0.1", "0177.0.0.01", "127.000.000.001", "127.255.255.254", "[::1]", "[0:0:0:0:0:0:0:1]", "[0000::0001]"],
  "IPv4-mapped / compatible IPv6": ["[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[0:0:0:0:0:ffff:7f00:1]", "[::127.0.0.1]", "[::ffff:10.0.0.1]", "[::ffff:a9fe:a9fe]", "[::ffff:0:7f00:1]"],
  "6to4, Teredo, NAT64": ["[2002:7f00:1::1]", "[2002:a9fe:a9fe::]", "[2001:0:4136:e378:8000:63bf:3fff:fdd2]", "[64:ff9b::7f00:1]", "[64:ff9b::a9fe:a9fe]"],
  "RFC 1918": ["10.0.0.1", "10.255.255.255", "0xa000001", "167772161", "012.0.0.1", "172.16.0.1", "172.31.255.254", "0xac100001", "192.168.0.1", "192.168.255.254", "3232235521"],
  "link-local": ["169.254.0.1", "169.254.255.254", "[fe80::1]", "[febf::1]"],
  metadata: ["169.254.169.254", "2852039166", "0xa9fea9fe", "0251.0376.0251.0376", "169.254.43518", "[fd00:ec2::254]"],
  "CGNAT 100.64/10": ["100.64.0.1", "100.127.255.254", "1681915905"],
  "unique-local fc00::/7": ["[fc00::1]", "[fd12:3456:789a::1]", "[fdff:ffff::1]"],
  "this network 0/8": ["0.0.0.0", "0", "0.1.2.3", "0x0"],
  multicast: ["224.0.0.1", "239.255.255.250", "[ff02::1]", "[ff05::1:3]"],
  broadcast: ["255.255.255.255", "4294967295", "0xffffffff"],
  "documentation / benchmark / reserved": ["192.0.2.1", "198.51.100.7", "203.0.113.9", "198.18.0.1", "198.19.255.254", "192.0.0.8", "240.0.0.1", "[2001:db8::1]", "[3fff:0fff::1]", "[::]"],
};

/** The same classes as a resolver answers them (what `dns.lookup` returns for a name). */
const RESOLVED_CORPUS: LookupAddress[] = [
  { address: "127.0.0.1", family: 4 },
  { address: "127.53.0.1", family: 4 },
  { address: "::1", family: 6 },
  { address: "::ffff:127.0.0.1", family: 6 },
  { address: "::ffff:7f00:1", family: 6 },
  { address: "10.1.2.3", family: 4 },
  { address: "172.20.0.1", family: 4 },
  { address: "192.168.1.1", family: 4 },
  { address: "169.254.169.254", family: 4 },
  { address: "fd00:ec2::254", family: 6 },
  { address: "fe80::1%eth0", family: 6 },
  { address: "100.100.100.200", family: 4 },
  { address: "fc00::1", family: 6 },
  { address: "0.0.0.0", family: 4 },
  { address: "224.0.0.251", family: 4 },
  { address: "255.255.255.255", family: 4 },
  { address: "192.0.2.1", family: 4 },
  { address: "::", family: 6 },
  { address: "2002:7f00:1::1", family: 6 },
  { address: "64:ff9b::a9fe:a9fe", family: 6 },
];

const refusal = (errcode: string) => expect.objectContaining({ name: "ImageFetchError", statusCode: 400, errcode });
const noLookup = async (): Promise<LookupAddress[]> => {
  throw new Error("an address literal must not be looked up");
};
const production = (resolve: PublicImageOptions["resolve"] = noLookup): PublicImageOptions => ({ maxBytes: 10_000, timeoutMs: 5000, ca, resolve });

/** An https server (for redirects) and a plain http one (for allowlisted tests), both on 127.0.0.1. */
let tls: Server;
let plain: HttpServer;
let tlsPort: number;
let plainPort: number;

function route(url: string | undefined, res: import("node:http").ServerResponse) {
  const parsed = new URL(url ?? "/", "http://x");
  if (parsed.pathname === "/redirect") return res.writeHead(302, { location: parsed.searchParams.get("to") ?? "/" }).end();
  if (parsed.pathname === "/a.png") return res.writeHead(200, { "content-type": "image/png" }).end(PNG);
  if (parsed.pathname === "/octet") return res.writeHead(200, { "content-type": "application/octet-stream" }).end(PNG);
  if (parsed.pathname === "/svg.png") return res.writeHead(200, { "content-type": "image/png" }).end('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
  if (parsed.pathname === "/huge-page.png") {
    res.writeHead(200, { "content-type": "image/png" });
    res.write("<html>".padEnd(64, " "));
    // Never ends: the fetch must stop at the first bytes, not wait for the size cap or the timeout.
    return;
  }
  res.writeHead(404).end();
}

beforeAll(async () => {
  tls = createServer({ key: fixture("localhost.key.pem"), cert: ca }, (req, res) => route(req.url, res));
  plain = createHttpServer((req, res) => route(req.url, res));
  await new Promise<void>((resolve) => tls.listen(0, "127.0.0.1", resolve));
  await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve));
  tlsPort = (tls.address() as AddressInfo).port;
  plainPort = (plain.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const server of [tls, plain]) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe("fetchPublicImage: SSRF corpus", () => {
  it("refuses every address class as a literal, in every spelling, without looking anything up", async () => {
    for (const [label, hosts] of Object.entries(LITERAL_CORPUS)) {
      for (const host of hosts) {
        await expect(fetchPublicImage(`https://${host}/a.png`, production()), `${label}: ${host}`).rejects.toThrow(refusal("PRIVATE_ADDRESS"));
        await expect(fetchPublicImage(`https://${host}:${tlsPort}/a.png`, production()), `${label}: ${host} with port`).rejects.toThrow(refusal("PRIVATE_ADDRESS"));
      }
    }
  });

  it("refuses a name that resolves to any such address, alone or among public ones", async () => {
    for (const answer of RESOLVED_CORPUS) {
      const resolve = async () => [answer];
      await expect(fetchPublicImage("https://images.example/a.png", production(resolve)), answer.address).rejects.toThrow(refusal("PRIVATE_ADDRESS"));
      const mixed = async () => [{ address: "93.184.216.34", family: 4 }, answer];
      await expect(fetchPublicImage("https://images.example/a.png", production(mixed)), `mixed ${answer.address}`).rejects.toThrow(refusal("PRIVATE_ADDRESS"));
    }
    await expect(fetchPublicImage("https://images.example/a.png", production(async () => []))).rejects.toThrow(refusal("PRIVATE_ADDRESS"));
  });

  it("checks every redirect the same way: literals, names that resolve inside, and http", async () => {
    // The first hop is an allowlisted test server; where it redirects is judged by the production rules.
    const resolveInside = async (hostname: string) => (hostname === "localhost" ? [{ address: "127.0.0.1", family: 4 }] : [{ address: "169.254.169.254", family: 4 }]);
    const options: PublicImageOptions = { ...production(resolveInside), allowlist: [`localhost:${tlsPort}`] };
    const via = (target: string) => `https://localhost:${tlsPort}/redirect?to=${encodeURIComponent(target)}`;
    expect((await fetchPublicImage(via("/a.png"), options)).bytes).toEqual(PNG);
    for (const hosts of Object.values(LITERAL_CORPUS)) {
      for (const host of hosts) await expect(fetchPublicImage(via(`https://${host}:${tlsPort}/a.png`), options), host).rejects.toThrow(refusal("PRIVATE_ADDRESS"));
    }
    await expect(fetchPublicImage(via("https://metadata.example/latest/"), options)).rejects.toThrow(refusal("PRIVATE_ADDRESS"));
    // Two hops, the second one inside.
    await expect(fetchPublicImage(via(via("https://10.0.0.1/a.png")), options)).rejects.toThrow(refusal("PRIVATE_ADDRESS"));
    await expect(fetchPublicImage(via(`http://localhost:${plainPort}/a.png`), options)).rejects.toThrow(refusal("NOT_HTTPS"));
    await expect(fetchPublicImage(via(via(via(via("/a.png")))), options)).rejects.toThrow(refusal("TOO_MANY_REDIRECTS"));
  });

  it("connects to the address its checked lookup returned (one lookup per connection, no second one)", async () => {
    // A name the system cannot resolve: reaching the server proves the socket used the checked answer.
    let lookups = 0;
    const rebinding = async () => (lookups++ === 0 ? [{ address: "127.0.0.1", family: 4 }] : [{ address: "10.0.0.1", family: 4 }]);
    const options: PublicImageOptions = { maxBytes: 10_000, timeoutMs: 5000, resolve: rebinding, allowlist: [`pinned.invalid:${plainPort}`] };
    expect((await fetchPublicImage(`http://pinned.invalid:${plainPort}/a.png`, options)).bytes).toEqual(PNG);
    expect(lookups).toBe(1);
  });
});

describe("fetchPublicImage: the test allowlist", () => {
  const url = () => `http://127.0.0.1:${plainPort}/a.png`;
  const base = { maxBytes: 10_000, timeoutMs: 5000 };

  it("lets only the listed host (and port) through, over http too", async () => {
    await expect(fetchPublicImage(url(), base)).rejects.toThrow(refusal("NOT_HTTPS"));
    await expect(fetchPublicImage(`https://127.0.0.1:${tlsPort}/a.png`, { ...base, ca })).rejects.toThrow(refusal("PRIVATE_ADDRESS"));
    await expect(fetchPublicImage(url(), { ...base, allowlist: ["127.0.0.1:1"] })).rejects.toThrow(refusal("NOT_HTTPS"));
    expect(await fetchPublicImage(url(), { ...base, allowlist: [`127.0.0.1:${plainPort}`] })).toMatchObject({ contentType: "image/png", width: 1, height: 1 });
    expect((await fetchPublicImage(url(), { ...base, allowlist: ["127.0.0.1"] })).bytes).toEqual(PNG);
  });

  it("sniffs the type from the bytes, not the server's word, and stops reading a non-image at once", async () => {
    const options = { ...base, allowlist: [`127.0.0.1:${plainPort}`] };
    expect(await fetchPublicImage(`http://127.0.0.1:${plainPort}/octet`, options)).toMatchObject({ contentType: "image/png" });
    await expect(fetchPublicImage(`http://127.0.0.1:${plainPort}/svg.png`, options)).rejects.toThrow(refusal("NOT_AN_IMAGE"));
    await expect(fetchPublicImage(`http://127.0.0.1:${plainPort}/huge-page.png`, { ...options, timeoutMs: 60_000 })).rejects.toThrow(refusal("NOT_AN_IMAGE"));
  });
});
