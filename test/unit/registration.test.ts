import { mkdtemp, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildRegistration, readRegistration, writeRegistration } from "../../src/matrix/registration.js";

describe("registration", () => {
  it("has Mirage's exclusive namespaces, the unstable flags and fresh 256-bit tokens", () => {
    const a = buildRegistration({ url: "http://localhost:8090", domain: "example.org" });
    const b = buildRegistration({ url: "http://localhost:8090", domain: "example.org" });
    expect(a).toMatchObject({
      id: "mirage",
      url: "http://localhost:8090",
      sender_localpart: "mirage",
      rate_limited: false,
      receive_ephemeral: true,
      "de.sorunome.msc2409.push_ephemeral": true,
      "org.matrix.msc3202": true,
      namespaces: {
        users: [{ exclusive: true, regex: "@mirage_.*:example\\.org" }],
        aliases: [{ exclusive: true, regex: "#mirage_.*:example\\.org" }],
        rooms: [],
      },
    });
    expect(a.as_token).toMatch(/^[0-9a-f]{64}$/);
    expect(a.hs_token).toMatch(/^[0-9a-f]{64}$/);
    expect(a.as_token).not.toBe(a.hs_token);
    expect(a.as_token).not.toBe(b.as_token);
    expect(new RegExp(a.namespaces.users[0]!.regex).test("@mirage_alice:example.org")).toBe(true);
    expect(new RegExp(a.namespaces.users[0]!.regex).test("@mirage_alice:exampleXorg")).toBe(false);
  });

  it("round-trips through a private file", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mirage-reg-"));
    const file = path.join(dir, "sub", "registration.yaml");
    const reg = buildRegistration({ url: "http://as:1", domain: "d.test" });
    await writeRegistration(file, reg);
    expect(await readRegistration(file)).toEqual(reg);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it("refuses the sample's placeholder tokens and broken files", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mirage-reg-"));
    const sample = path.join(dir, "sample.yaml");
    await writeRegistration(sample, buildRegistration({ url: "http://as:1", domain: "d.test", placeholderTokens: true }));
    await expect(readRegistration(sample)).rejects.toThrow(/placeholder tokens/);
    const broken = path.join(dir, "broken.yaml");
    await writeFile(broken, "id: mirage\nas_token: 5\n");
    await expect(readRegistration(broken)).rejects.toThrow(/as_token: must be a non-empty string/);
    await expect(readRegistration(path.join(dir, "none.yaml"))).rejects.toThrow(/not found/);
  });

  it("the committed registration.yaml is a sample produced by the CLI", async () => {
    const file = new URL("../../registration.yaml", import.meta.url).pathname;
    await expect(readRegistration(file)).rejects.toThrow(/placeholder tokens/);
  });
});
