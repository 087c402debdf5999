import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { homeserverProfileFetch } from "../../src/matrix/homeserverProfileFetch.js";
import type { MatrixUserId } from "../../src/platform/ids.js";
import { MATRIX_DISPLAY_NAME_MAX, sanitizeMatrixProfile } from "../../src/platform/people/sanitizeMatrixProfile.js";

/* What a remote server or a member event claims as a profile is untrusted: bounded, cleaned, or dropped. */

describe("sanitizeMatrixProfile", () => {
  it("keeps an ordinary name and mxc avatar", () => {
    expect(sanitizeMatrixProfile("Bob 🐢", "mxc://example.org/abc_DEF-1")).toEqual({ displayName: "Bob 🐢", avatarUrl: "mxc://example.org/abc_DEF-1" });
  });

  it("bounds huge names, by code points, without splitting a character", () => {
    const name = sanitizeMatrixProfile("🐢".repeat(1_000_000), undefined).displayName!;
    expect(Array.from(name)).toHaveLength(MATRIX_DISPLAY_NAME_MAX);
    expect(name).toBe("🐢".repeat(MATRIX_DISPLAY_NAME_MAX));
  });

  it("removes control, bidi-override and line-separator characters and folds whitespace", () => {
    expect(sanitizeMatrixProfile("  Eve\u202Elive\u0000\n\t\u2028admin\u2066  ", undefined)).toEqual({ displayName: "Eve live admin" });
    expect(sanitizeMatrixProfile("\u0007\u202E \n", undefined)).toEqual({});
  });

  it("drops values of the wrong type", () => {
    for (const value of [42, null, true, { name: "x" }, ["Bob"], undefined]) expect(sanitizeMatrixProfile(value, value)).toEqual({});
  });

  it("accepts only well-formed mxc:// avatars", () => {
    for (const url of [
      "https://evil.example/a.png",
      "http://example.org/_matrix/media/v3/download/example.org/abc",
      "javascript:alert(1)",
      "mxc://example.org/",
      "mxc://example.org/../../admin",
      "mxc://exa mple.org/abc",
      "mxc://example.org/abc?x=1",
      "mxc://example.org/abc/def",
      `mxc://example.org/${"a".repeat(300)}`,
      "MXC://example.org/abc",
    ]) {
      expect(sanitizeMatrixProfile("Bob", url), url).toEqual({ displayName: "Bob" });
    }
  });
});

describe("homeserverProfileFetch", () => {
  let server: Server;
  let base: string;
  const seen: { url: string; auth: string | undefined }[] = [];
  const answers = new Map<string, (res: import("node:http").ServerResponse) => void>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ url: req.url!, auth: req.headers.authorization });
      const userId = decodeURIComponent(req.url!.slice("/_matrix/client/v3/profile/".length));
      const answer = answers.get(userId);
      if (answer) answer(res);
      else res.writeHead(404).end('{"errcode":"M_NOT_FOUND"}');
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const fetchProfile = (userId: string) => homeserverProfileFetch({ homeserverUrl: base, accessToken: "as-token" })(userId as MatrixUserId, new AbortController().signal);

  it("asks as the appservice and hands back the raw fields", async () => {
    answers.set("@bob:remote.example", (res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ displayname: 7, avatar_url: "https://x" })));
    expect(await fetchProfile("@bob:remote.example")).toEqual({ displayName: 7, avatarUrl: "https://x" });
    expect(seen.at(-1)).toEqual({ url: "/_matrix/client/v3/profile/%40bob%3Aremote.example", auth: "Bearer as-token" });
  });

  it("treats 404 and 403 as no profile, and anything else unusable as a failure", async () => {
    expect(await fetchProfile("@nobody:remote.example")).toBeUndefined();
    answers.set("@private:remote.example", (res) => res.writeHead(403).end("{}"));
    expect(await fetchProfile("@private:remote.example")).toBeUndefined();
    answers.set("@down:remote.example", (res) => res.writeHead(502).end("bad gateway"));
    await expect(fetchProfile("@down:remote.example")).rejects.toThrow(/502/);
    answers.set("@huge:remote.example", (res) => res.writeHead(200).end(JSON.stringify({ displayname: "x".repeat(200_000) })));
    await expect(fetchProfile("@huge:remote.example")).rejects.toThrow(/too large/);
    answers.set("@array:remote.example", (res) => res.writeHead(200).end("[1,2]"));
    await expect(fetchProfile("@array:remote.example")).rejects.toThrow(/not an object/);
    answers.set("@moved:remote.example", (res) => res.writeHead(302, { location: "https://elsewhere.example/" }).end());
    await expect(fetchProfile("@moved:remote.example")).rejects.toThrow();
  });
});
