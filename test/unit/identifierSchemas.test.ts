import { Ajv, type ValidateFunction } from "ajv";
import { beforeAll, describe, expect, it } from "vitest";
import { checkPassword, checkUsername } from "../../src/platform/accounts/usernameRules.js";
import { people } from "../../src/platform/people/people.js";
import { normalizeReactionKey } from "../../src/platform/reactions/reactionKey.js";
import { caseInsensitiveSource } from "../../src/api/schemas/identifierSchemas.js";
import { apiHarness } from "../support/apiHarness.js";
import { prng } from "../support/prng.js";

/*
 * The OpenAPI document's grammars and the domain rules must agree: every value the document
 * allows is accepted by the service, and every value the service accepts in its canonical
 * spelling (no surrounding whitespace, which the services trim and the document refuses) is
 * allowed by the document. Checked on hand-picked edge cases plus seeded random samples.
 */

const accepts = (rule: (value: string) => unknown) => (value: string) => {
  try {
    rule(value);
    return true;
  } catch {
    return false;
  }
};

/** Sign-up's grammar: accepted, or refused only as a reserved name (a policy the document states in words, with its own code). */
const grammatical = (value: string) => {
  try {
    checkUsername(value);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "NAME_RESERVED";
  }
};

type Schemas = Record<"Username" | "Handle" | "ReactionKey" | "AccountNameParam" | "SignUpRequest", ValidateFunction>;
let schemas: Schemas;

beforeAll(async () => {
  const h = await apiHarness();
  const doc = (await h.app.inject({ method: "GET", url: "/api/v1/openapi.json" })).json();
  await h.app.close();
  const ajv = new Ajv({ strict: false });
  ajv.addSchema({ $id: "openapi", components: doc.components });
  const compile = (name: string) => ajv.getSchema(`openapi#/components/schemas/${name}`)!;
  schemas = {
    Username: compile("Username"),
    Handle: compile("Handle"),
    ReactionKey: compile("ReactionKey"),
    AccountNameParam: compile("AccountNameParam"),
    SignUpRequest: compile("SignUpRequest"),
  };
  for (const [name, validate] of Object.entries(schemas)) expect(validate, name).toBeTypeOf("function");
});

/** Random strings over an alphabet that reaches every branch of the grammars. */
function samples(seed: number, alphabet: readonly string[], count: number, maxLength: number): string[] {
  const random = prng(seed);
  return Array.from({ length: count }, () => Array.from({ length: 1 + random.int(maxLength) }, () => random.pick(alphabet)).join(""));
}

const ASCII = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i));
const NAMEISH = [..."abcxyzABCXYZ0129._-@:", "@", ":", ".", "mirage", "admin", "example.org", "\t", " ", "é", "\u0000"];

function expectAgreement(name: string, validate: ValidateFunction, domain: (value: string) => boolean, values: readonly string[], canonical: (value: string) => boolean) {
  let allowed = 0;
  for (const value of values) {
    const documented = validate(value);
    const served = domain(value);
    if (documented) {
      allowed++;
      expect(served, `${name}: the document allows ${JSON.stringify(value)} but the service refuses it`).toBe(true);
    } else if (canonical(value)) {
      expect(served, `${name}: the service accepts ${JSON.stringify(value)} but the document refuses it`).toBe(false);
    }
  }
  // The samples reach both sides of the grammar.
  expect(allowed, name).toBeGreaterThan(5);
  expect(values.length - allowed, name).toBeGreaterThan(5);
}

const trimmed = (value: string) => value.trim() === value;
const asciiTrimmed = (value: string) => trimmed(value) && /^[\x20-\x7e]*$/.test(value);

describe("identifier grammars: the OpenAPI document and the domain rules agree", () => {
  it("usernames (sign-up)", () => {
    const edge = ["al", "a", "Alice", "ALICE", "bob.smith", "bob_smith", "bob-smith", "-bob", ".bob", "_bob", "9lives", "x".repeat(32), "x".repeat(33),
      "admin", "Admin", "mirage", "mirage_x", "Mirage2", "mirag", "administrators", "api", "apix", "bob smith", "bób", "alice.", "a..b", "a.", "ab", " alice", "alice "];
    const values = [...edge, ...samples(1, NAMEISH, 3000, 12), ...samples(2, ASCII, 2000, 34)];
    expectAgreement("Username", schemas.Username, grammatical, values, trimmed);
  });

  it("account names in paths accept every name sign-up accepts", () => {
    for (const value of samples(3, NAMEISH, 2000, 12)) {
      if (accepts(checkUsername)(value) && trimmed(value)) expect(schemas.AccountNameParam(value), value).toBe(true);
    }
  });

  it("handles", () => {
    const edge = ["alice", "Alice", "@bob:example.org", "@Bob:Example.org", "@bob:example.org:8448", "@bob:example.org:123456", "bob@example.org", "Bob@Example.ORG",
      "bob@example.org:8448", "@bob@example.org", "a@b@example.org", "@:example.org", "@bob:", "bob@", "@bob", "@bob:exa mple.org", "bob:x@example.org",
      "@" + "x".repeat(250) + ":a.org", "@" + "x".repeat(251) + ":a.org", "x".repeat(240) + "@example.org", "a", "-a", " alice", "@bob:[::1]"];
    const values = [...edge, ...samples(4, NAMEISH, 4000, 14), ...samples(5, ASCII, 3000, 20)];
    expectAgreement("Handle", schemas.Handle, accepts(people.parseHandle), values, asciiTrimmed);
  });

  it("reaction keys", () => {
    const edge = ["👍", "👍🏽", "🏳️‍🌈", "+1", "a", " ", " a", "a ", "a b", "\u0000", "a\u0007", "\u0085x", "x\u00a0", "\u200b", "e\u0301", "é", "x".repeat(64), "x".repeat(65),
      "👍".repeat(64), "👍".repeat(65), "\ud800", "a\udc00b", "\u2028", "\ufeffx"];
    const alphabet = ["a", "Z", " ", "\t", "\n", "\u0000", "\u007f", "\u0085", "\u00a0", "\u2028", "\ufeff", "👍", "🏽", "\u200d", "é", "e", "\u0301", "\ud800", "<", "%"];
    const values = [...edge, ...samples(6, alphabet, 5000, 70)];
    // NFC can lengthen a few rare characters; the domain counts after normalization, the schema before.
    const nfcStable = (value: string) => [...value.normalize("NFC")].length === [...value].length;
    expectAgreement("ReactionKey", schemas.ReactionKey, accepts(normalizeReactionKey), values.filter(nfcStable), nfcStable);
  });

  it("sign-up passwords", () => {
    for (const length of [0, 1, 7, 8, 9, 255, 256, 257, 1000]) {
      const password = "p".repeat(length);
      expect(schemas.SignUpRequest({ username: "alice", password }), String(length)).toBe(accepts(checkPassword)(password));
    }
  });
});

describe("caseInsensitiveSource", () => {
  it("makes letters match either case and leaves escapes, quantifiers and other characters alone", () => {
    const source = caseInsensitiveSource("^[a-z0-9._-]{1,31}x\\d\\p{L}(?:ab|c)$");
    expect(source).toBe("^[a-zA-Z0-9._-]{1,31}[xX]\\d\\p{L}(?:[aA][bB]|[cC])$");
    const re = new RegExp(source, "u");
    expect(re.test("ABC9xy\u00e9aB")).toBe(false);
    expect(re.test("ab9X7\u00e9AB")).toBe(true);
  });
});
