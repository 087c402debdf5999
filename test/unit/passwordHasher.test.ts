import { describe, expect, it } from "vitest";
import { ScryptPasswordHasher } from "../../src/platform/accounts/PasswordHasher.js";

describe("ScryptPasswordHasher", () => {
  it("uses OWASP's scrypt parameters by default and verifies only the right password", async () => {
    const hasher = new ScryptPasswordHasher();
    const stored = await hasher.hash("correct horse battery staple");
    expect(stored).toMatch(/^scrypt\$131072\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await hasher.verify("correct horse battery staple", stored)).toBe(true);
    expect(await hasher.verify("correct horse battery stapler", stored)).toBe(false);
    expect(await hasher.verify("x", "not a hash")).toBe(false);
    expect(await hasher.hash("same")).not.toBe(await hasher.hash("same"));
    // Five real scrypt runs at 128 MiB each: on a loaded machine they outlast vitest's 5 s default.
  }, 60_000);

  it("never blocks the event loop while hashing", async () => {
    const hasher = new ScryptPasswordHasher();
    let turns = 0;
    const ticker = setInterval(() => void turns++, 1);
    await hasher.hash("a password that takes a while");
    clearInterval(ticker);
    expect(turns).toBeGreaterThan(3);
  });
});
