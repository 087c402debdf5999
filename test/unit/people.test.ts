import { describe, expect, it } from "vitest";
import type { AccountName, MatrixUserId } from "../../src/platform/ids.js";
import { people } from "../../src/platform/people/people.js";
import { ghostAccounts } from "../../src/matrix/registration.js";

const ghosts = people.ghostAccounts("mirage_", "test.example");
const matrix = (id: string) => people.matrix(id as MatrixUserId);
const account = (name: string) => people.account(name as AccountName);

describe("people: parse, canonicalize, format", () => {
  it("parses the three spellings of a handle", () => {
    expect(people.parseHandle("alice")).toEqual(account("alice"));
    expect(people.parseHandle("  Alice ")).toEqual(account("alice"));
    expect(people.parseHandle("@Bob:Example.org")).toEqual(matrix("@Bob:Example.org"));
    expect(people.parseHandle("Bob@Example.ORG")).toEqual(matrix("@bob:example.org"));
    expect(people.parseHandle("bob@example.org:8448")).toEqual(matrix("@bob:example.org:8448"));
    for (const bad of ["", "a", "-a", "@bob", "@bob:", "bob@", "bob:x@example.org", "@:example.org"]) {
      expect(() => people.parseHandle(bad), bad).toThrow(expect.objectContaining({ code: "INVALID_INPUT" }));
    }
  });

  it("formats the stored spelling and reads it back", () => {
    for (const person of [account("alice"), matrix("@bob:example.org")]) {
      expect(people.fromId(people.id(person))).toEqual(person);
    }
    expect(people.id(account("alice"))).toBe("alice");
    expect(people.id(matrix("@bob:example.org"))).toBe("@bob:example.org");
    expect(people.isMatrixId("@bob:example.org")).toBe(true);
    expect(people.isMatrixId("alice")).toBe(false);
  });

  it("canonicalizes a ghost of the configured domain to its account", () => {
    expect(people.canonical(matrix("@mirage_alice:test.example"), ghosts)).toEqual(account("alice"));
    expect(people.resolve("@mirage_alice:test.example", ghosts)).toEqual(account("alice"));
    expect(people.resolve("mirage_alice@test.example", ghosts)).toEqual(account("alice"));
    expect(people.resolve("mirage_Alice@Test.Example", ghosts)).toEqual(account("alice"));
    expect(people.canonical(account("alice"), ghosts)).toEqual(account("alice"));
  });

  it("keeps look-alikes Matrix users", () => {
    for (const id of [
      "@mirage_alice:evil.org",
      "@mirage_alice:test.example.evil.org",
      "@mirage_alice:xtest.example",
      "@mirage_alice:test.example:8448",
      "@Mirage_alice:test.example",
      "@mirage_Alice:test.example",
      "@mirage_:test.example",
      "@mirage_a:test.example",
      "@xmirage_alice:test.example",
      "@alice:test.example",
    ]) {
      expect(people.resolve(id, ghosts), id).toEqual(matrix(id));
    }
  });

  it("the port alone refuses what is not an account name between prefix and domain", () => {
    expect(people.canonical(matrix("@mirage_al:ice:test.example"), ghosts)).toEqual(matrix("@mirage_al:ice:test.example"));
    expect(people.canonical(matrix("@mirage_alice:test.example"), () => undefined)).toEqual(matrix("@mirage_alice:test.example"));
  });

  it("without a ghost port, a Matrix ID stays a Matrix user", () => {
    expect(people.resolve("@mirage_alice:test.example", undefined)).toEqual(matrix("@mirage_alice:test.example"));
  });

  it("the registration's port matches the namespace it registers", () => {
    const port = ghostAccounts("hs.example");
    expect(port("@mirage_alice:hs.example" as MatrixUserId)).toBe("alice");
    expect(port("@mirage_alice:hs.example.org" as MatrixUserId)).toBeUndefined();
    expect(port("@mirage_alice:hsxexample" as MatrixUserId)).toBeUndefined();
  });
});
