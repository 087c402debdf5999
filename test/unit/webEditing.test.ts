import { describe, expect, it } from "vitest";
import { debounce, describeFailure, fieldOfFailure, latestOnly } from "../../src/web/client/editing.js";
import { ApiFailure } from "../../src/web/client/transport.js";
import { apiHarness } from "../support/apiHarness.js";

/* The editors' time and failure handling: newest preview wins, refusals land on the field they are about. */

/** A promise with its resolve exposed. */
function gate(): { promise: Promise<void>; open(): void } {
  let open = () => undefined as void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("latestOnly", () => {
  it("runs one at a time and, after a run, only the newest input given meanwhile", async () => {
    const started: number[] = [];
    const gates = new Map<number, ReturnType<typeof gate>>();
    const run = latestOnly(async (n: number) => {
      started.push(n);
      const g = gate();
      gates.set(n, g);
      await g.promise;
    });
    run(1);
    run(2);
    run(3);
    run(4);
    await settle();
    expect(started).toEqual([1]);
    gates.get(1)!.open();
    await settle();
    expect(started).toEqual([1, 4]);
    gates.get(4)!.open();
    await settle();
    run(5);
    await settle();
    expect(started).toEqual([1, 4, 5]);
  });

  it("goes on after a run that failed", async () => {
    const started: number[] = [];
    const run = latestOnly(async (n: number) => {
      started.push(n);
      if (n === 1) throw new Error("refused");
    });
    run(1);
    run(2);
    await settle();
    await settle();
    expect(started).toEqual([1, 2]);
  });
});

describe("debounce", () => {
  it("fires once after the input pauses; flush fires a pending call at once, cancel drops it", async () => {
    let calls = 0;
    const d = debounce(() => calls++, 5);
    d();
    d();
    d.flush();
    expect(calls).toBe(1);
    d.flush();
    expect(calls).toBe(1);
    d();
    d.cancel();
    d();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(calls).toBe(2);
  });
});

describe("fieldOfFailure, against the server's own refusals", () => {
  it("names the profile field each refusal is about", async () => {
    const h = await apiHarness();
    const alice = await h.signUp("alice");
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ displayName: "x".repeat(101) }, "displayName"],
      [{ displayName: "   " }, "displayName"],
      [{ avatarUrl: "http://example.org/a.png" }, "avatarUrl"],
      [{ bio: "b".repeat(10_001) }, "bio"],
      [{ customHtml: "h".repeat(100_001) }, "customHtml"],
      [{ customCss: "c".repeat(50_001) }, "customCss"],
    ];
    for (const [patch, expected] of cases) {
      const res = await h.json("PATCH", "/api/v1/me/profile", patch, alice);
      expect(res.status, expected).toBe(400);
      const failure = new ApiFailure(res.status, res.body.error.code, res.body.error.message);
      expect(fieldOfFailure(failure, ["displayName", "avatarUrl", "bio", "customHtml", "customCss"] as const), res.body.error.message).toBe(expected);
    }
  });

  it("names the post field each refusal is about, and none for other failures", async () => {
    const h = await apiHarness();
    const alice = await h.signUp("alice");
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ title: "", body: "b" }, "title"],
      [{ title: "t".repeat(201), body: "b" }, "title"],
      [{ title: "t", body: "" }, "body"],
      [{ title: "t", body: "   " }, "body"],
      [{ title: "t", body: "a\u0000b" }, "body"],
    ];
    for (const [post, expected] of cases) {
      const res = await h.json("POST", "/api/v1/blogs/alice/posts", post, alice);
      expect(res.status, expected).toBe(400);
      expect(fieldOfFailure(new ApiFailure(400, res.body.error.code, res.body.error.message), ["title", "body"] as const), res.body.error.message).toBe(expected);
    }
    expect(fieldOfFailure(new ApiFailure(429, "RATE_LIMITED", "too many changes"), ["title", "body"] as const)).toBeUndefined();
    expect(fieldOfFailure(new Error("title"), ["title"] as const)).toBeUndefined();
  });
});

describe("describeFailure", () => {
  it("says when to try again, and that nothing typed is lost when the server is unreachable", () => {
    expect(describeFailure(new ApiFailure(429, "RATE_LIMITED", "x", 3000), "fallback")).toMatch(/3 s/);
    expect(describeFailure(new ApiFailure(0, "NETWORK", "x"), "fallback")).toMatch(/not lost|lost/);
    expect(describeFailure(new ApiFailure(400, "INVALID_INPUT", "title must not be empty"), "fallback")).toBe("title must not be empty");
    expect(describeFailure(new Error("boom"), "fallback")).toBe("fallback");
  });
});
