import { describe, expect, it } from "vitest";
import { BridgeNames } from "../../src/bridge/bridgeNames.js";
import type { PersonId } from "../../src/platform/people/Person.js";

const names = new BridgeNames("mirage_", "hs.test");
const id = (value: string) => value as PersonId;

describe("blog room aliases", () => {
  it("names an account's blog after the account, and reads it back", () => {
    expect(names.blogAlias(id("alice"))).toBe("#mirage_blog_alice:hs.test");
    expect(names.blogOwnerOfAlias("#mirage_blog_alice:hs.test")).toBe("alice");
  });

  it("encodes a Matrix owner reversibly, with = escapes for every byte outside [a-z0-9._-]", () => {
    for (const userId of ["@bob:example.org", "@Bob:example.org", "@a=b:x.y", "@é_x:host:8448", "@mirage_blog_x:hs.test"]) {
      const alias = names.blogAlias(id(userId));
      expect(alias).toMatch(/^#mirage_blog_[a-z0-9._=-]+:hs\.test$/);
      expect(names.blogOwnerOfAlias(alias)).toBe(userId);
    }
    expect(names.blogAlias(id("@bob:example.org"))).toBe("#mirage_blog_bob=3aexample.org:hs.test");
  });

  it("never lets an account and a Matrix user share an alias", () => {
    const aliases = new Set([names.blogAlias(id("bob")), names.blogAlias(id("@bob:hs.test")), names.blogAlias(id("@bob:bob"))]);
    expect(aliases.size).toBe(3);
  });

  it("refuses aliases it would not make: other domains, non-canonical escapes, invalid names, plain portals", () => {
    for (const alias of [
      "#mirage_blog_alice:other.test",
      "#mirage_blog_bob=3Aexample.org:hs.test",
      "#mirage_blog_=62ob=3aexample.org:hs.test",
      "#mirage_blog_bob=3a:hs.test",
      "#mirage_blog_A:hs.test",
      "#mirage_blog_:hs.test",
      "#mirage_blog_bob=zz:hs.test",
      "#mirage_r_abc:hs.test",
    ]) {
      expect(names.blogOwnerOfAlias(alias), alias).toBeUndefined();
    }
  });

  it("hashes an ID too long to encode; such an alias names no owner", () => {
    const long = id(`@${"\u00e9".repeat(120)}:example.org`);
    const alias = names.blogAlias(long);
    expect(alias.length).toBeLessThanOrEqual(255);
    expect(names.blogAlias(long)).toBe(alias);
    expect(names.blogOwnerOfAlias(alias)).toBeUndefined();
  });
});
