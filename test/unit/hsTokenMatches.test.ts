import { describe, expect, it } from "vitest";
import { hsTokenMatches, presentedToken } from "../../src/matrix/hsTokenMatches.js";

describe("hs_token check", () => {
  it("accepts only the exact token, whatever the length of the guess", () => {
    expect(hsTokenMatches("secret-token", "secret-token")).toBe(true);
    expect(hsTokenMatches("secret-tokeN", "secret-token")).toBe(false);
    expect(hsTokenMatches("secret", "secret-token")).toBe(false);
    expect(hsTokenMatches("", "secret-token")).toBe(false);
  });

  it("reads the bearer header, else the legacy query parameter", () => {
    expect(presentedToken("Bearer abc", {})).toBe("abc");
    expect(presentedToken("Basic abc", { access_token: "q" })).toBeUndefined();
    expect(presentedToken(undefined, { access_token: "q" })).toBe("q");
    expect(presentedToken(undefined, {})).toBeUndefined();
  });
});
