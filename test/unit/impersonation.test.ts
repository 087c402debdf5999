import { MemoryLevel } from "memory-level";
import { describe, expect, it } from "vitest";
import { cleanDisplayName, nameSkeletons, reservedWordIn } from "../../src/platform/accounts/nameSkeleton.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { storeOver } from "../../src/store/openStore.js";
import { apiHarness } from "../support/apiHarness.js";

const creds = (username: string) => ({ username, password: "correct horse battery" });

describe("names people could mistake for each other", () => {
  it("display names lose bidi controls and invisible characters, keep emoji sequences, and are NFC", () => {
    expect(cleanDisplayName("A\u200Blice\u2060")).toBe("Alice");
    expect(cleanDisplayName("\u202Eecila\u202C \u2066x\u2069")).toBe("ecila x");
    expect(cleanDisplayName("Bob\u{E0041}\u{E0042}\u3164\u115F\u00AD")).toBe("Bob");
    expect(cleanDisplayName("  a \t\u00A0 b  ")).toBe("a b");
    expect(cleanDisplayName("Zoe\u0308")).toBe("Zo\u00EB");
    expect(cleanDisplayName("👩\u200D💻 and ❤\uFE0F")).toBe("👩\u200D💻 and ❤\uFE0F");
    expect(cleanDisplayName("a\u200Db")).toBe("ab");
  });

  it("skeletons equate confusable letters, compatibility forms, case, spacing and punctuation", () => {
    const same = [
      ["alice", "a1ice", "\u0430lice", "AIice", "ALICE", "a.l.i.c.e", "a l i c e", "ａｌｉｃｅ", "al\u200Bice"],
      ["mallory", "rnallory", "MALLORY"],
      ["bob", "b0b", "BOB", "Bob!"],
    ];
    const confusable = (a: string, b: string) => nameSkeletons(a).some((key) => nameSkeletons(b).includes(key));
    for (const group of same) for (const name of group) expect(confusable(name, group[0]!), name).toBe(true);
    expect(confusable("alice", "alicia")).toBe(false);
    expect(confusable("Zoë", "Zoe")).toBe(false);
    expect(nameSkeletons("ALICE")).toEqual(["alice", "allce"]);
  });

  it("finds words reserved for Mirage and its staff, by skeleton, as whole words only", () => {
    expect(reservedWordIn("Mirage (official)")).toBe("mirage");
    expect(reservedWordIn("Ｍｉｒａｇｅ")).toBe("mirage");
    expect(reservedWordIn("MirageFan")).toBe("mirage");
    expect(reservedWordIn("Bob the \u0391drnin")).toBe("\u03B1drnin");
    expect(reservedWordIn("ADMIN")).toBe("admin");
    expect(reservedWordIn("Support")).toBe("support");
    expect(reservedWordIn("Badminton club")).toBeUndefined();
    expect(reservedWordIn("Alice")).toBeUndefined();
  });
});

describe("impersonation through the API", () => {
  it("refuses display names equal or confusable to another account's username or display name, and reserved words", async () => {
    const { json, signUp } = await apiHarness();
    const alice = await signUp("alice");
    const bob = await signUp("bob");
    expect((await json("PATCH", "/api/v1/me/profile", { displayName: "Alice Liddell" }, alice)).status).toBe(200);
    for (const displayName of ["alice", "ALICE", "A\u200Blice", "\u0430lice", "AIice", "a1ice", "Alice Liddell", "Alice  L\u0456ddell", "ali\u202Ece"]) {
      const res = await json("PATCH", "/api/v1/me/profile", { displayName }, bob);
      expect(res, displayName).toMatchObject({ status: 409, body: { error: { code: "NAME_CONFUSABLE" } } });
      expect(res.body.error.message).toContain("looks too much like");
    }
    for (const displayName of ["Mirage (official)", "mirage", "Admin", "Bob from Support", "M\u0456rage"]) {
      expect(await json("PATCH", "/api/v1/me/profile", { displayName }, bob), displayName).toMatchObject({ status: 400, body: { error: { code: "NAME_RESERVED" } } });
    }
    expect((await json("PATCH", "/api/v1/me/profile", { displayName: "\u200B\u202E" }, bob)).body.error.code).toBe("INVALID_INPUT");
    // What is stored is the cleaned name; one's own username and old name stay one's own.
    expect((await json("PATCH", "/api/v1/me/profile", { displayName: "B\u200Bob \u202EB." }, bob)).body.displayName).toBe("Bob B.");
    expect((await json("PATCH", "/api/v1/me/profile", { displayName: "BOB" }, bob)).status).toBe(200);
    expect((await json("PATCH", "/api/v1/me/profile", { displayName: "Alice" }, alice)).status).toBe(200);
    // A name given up is free again.
    expect((await json("PATCH", "/api/v1/me/profile", { displayName: "Alice Liddell" }, bob)).status).toBe(200);
  });

  it("refuses lookalike usernames at sign-up", async () => {
    const { json, signUp } = await apiHarness();
    await signUp("alice");
    await signUp("mallory");
    const bob = await signUp("bob");
    await json("PATCH", "/api/v1/me/profile", { displayName: "Carol" }, bob);
    for (const username of ["a1ice", "al.ice", "rnallory", "carol", "c.arol"]) {
      expect(await json("POST", "/api/v1/accounts", creds(username)), username).toMatchObject({ status: 409, body: { error: { code: "NAME_CONFUSABLE" } } });
    }
    for (const username of ["alice.", "a..b", "a_.b", "bob-", "x--y"]) {
      expect(await json("POST", "/api/v1/accounts", creds(username)), username).toMatchObject({ status: 400, body: { error: { code: "INVALID_INPUT" } } });
    }
    for (const username of ["adrnin", "rnirage", "mirage_x", "0fficial", "h.e.l.p"]) {
      expect(await json("POST", "/api/v1/accounts", creds(username)), username).toMatchObject({ status: 400, body: { error: { code: "NAME_RESERVED" } } });
    }
    expect((await json("POST", "/api/v1/accounts", creds("a.b-c_d"))).status).toBe(201);
  });

  it("indexes the names of accounts stored before the index existed", async () => {
    const db = new MemoryLevel<string, unknown>();
    const store = storeOver(db as unknown as RootLevel);
    const account = { passwordHash: "h", avatarUrl: "", bio: "", bioHtml: "", customHtml: "", customHtmlSanitized: "", customCss: "", customCssSanitized: "", createdAt: 1, updatedAt: 1 };
    await store.accounts.create({ ...account, name: "alice" as never, displayName: "Queen of Hearts" });
    // As a store written by an earlier version: the accounts, no index, no marker.
    await db.sublevel("account-name-skeletons").clear();
    await db.sublevel("meta", { valueEncoding: "json" }).del("index-built:account-name-skeletons");
    const reopened = storeOver(db as unknown as RootLevel);
    await expect(reopened.accounts.create({ ...account, name: "bob" as never, displayName: "Queen 0f Hearts" })).rejects.toMatchObject({ code: "NAME_CONFUSABLE" });
    await expect(reopened.accounts.create({ ...account, name: "a1ice" as never, displayName: "a1ice" })).rejects.toMatchObject({ code: "NAME_CONFUSABLE" });
  });
});
