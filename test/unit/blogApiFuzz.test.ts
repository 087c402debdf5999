import { describe, expect, it } from "vitest";
import { apiHarness } from "../support/apiHarness.js";
import { blogStoreProblems } from "../support/blogConsistency.js";
import { prng } from "../support/prng.js";
import { FUZZ_TAGS, openApiOperations, recordRoutes } from "../support/routeCoverage.js";

const SEED = 0x5eed_b10c;
const REQUESTS = 800;

describe("blogs and reactions API under random requests", () => {
  it(`answers ${REQUESTS} seeded random requests without a 5xx and leaves the store consistent`, async () => {
    const random = prng(SEED).next;
    const chance = (p: number) => random() < p;
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const h = await apiHarness();
    const reached = recordRoutes(h.app);
    const tokens = { alice: await h.signUp("alice"), bob: await h.signUp("bob"), carol: await h.signUp("carol") };
    const room = (await h.json("POST", "/api/v1/rooms", { name: "R", invite: ["bob"] }, tokens.alice)).body;
    const message = (await h.json("POST", `/api/v1/rooms/${room.id}/messages`, { body: "m" }, tokens.alice)).body;

    // A little content to start from, plus ids that were never used.
    const seeded = [
      (await h.json("POST", "/api/v1/blogs/alice/posts", { title: "Hello", body: "first" }, tokens.alice)).body,
      (await h.json("POST", "/api/v1/blogs/bob/posts", { title: "Draft", body: "wip", published: false }, tokens.bob)).body,
    ];
    const firstComment = (await h.json("POST", `/api/v1/posts/${seeded[0].id}/comments`, { body: "hi" }, tokens.bob)).body;
    const postIds: string[] = ["p_AAAAAAAAAAAAAAAA", ...seeded.map((p) => p.id)];
    const slugs: string[] = seeded.map((p) => p.slug);
    const commentIds: string[] = ["c_AAAAAAAAAAAAAAAA", firstComment.id];
    const cursors: string[] = ["bm9wZQ"];

    const fine = ["hello", "Hello World", "Café", "日本語", "👍", "❤️", "e\u0301", "<script>x</script>", "__proto__", "constructor", "a-b", "line\nbreak"];
    const nasty = [" ", "", "a\u0000b", "\ud800", "x".repeat(201), "-", "\u202e", "%"];
    const text = (): string => {
      if (chance(0.7)) return pick(fine);
      if (chance(0.1)) return "y".repeat(pick([64, 65, 20_001, 100_001]));
      if (chance(0.4)) return Array.from({ length: 1 + Math.floor(random() * 12) }, () => String.fromCodePoint(Math.floor(random() * 0x2fff))).join("");
      return pick(nasty);
    };
    const anyValue = (): unknown => pick<() => unknown>([text, () => Math.floor(random() * 100), () => chance(0.5), () => null, () => [text(), text()], () => ({ nested: text() })])();
    const mutate = (body: Record<string, unknown>): unknown => {
      if (chance(0.6)) return body;
      const keys = Object.keys(body);
      const mutated = { ...body };
      switch (Math.floor(random() * 4)) {
        case 0:
          if (keys.length > 0) delete mutated[pick(keys)];
          return mutated;
        case 1:
          if (keys.length > 0) mutated[pick(keys)] = anyValue();
          return mutated;
        case 2:
          return { ...mutated, [pick(["extra", "id", "author", "deleted", "__proto__"])]: anyValue() };
        default:
          return anyValue();
      }
    };
    // Lone surrogates cannot be percent-encoded as UTF-8; send their raw (invalid) bytes instead.
    const encode = (raw: string) => raw.split(/(\p{Cs})/u).map((part) => (/^\p{Cs}$/u.test(part) ? "%ED%A0%80" : encodeURIComponent(part))).join("");
    const segment = (choices: readonly string[]) => (chance(0.85) ? encode(pick(choices)) : pick([encode(text()), "%", "%E0%A4%A", "..", "x".repeat(120)]));
    let self = "alice";
    // Writers mostly write where they may; the rest probes other blogs and odd owners.
    const owner = () => (chance(0.6) ? self : segment(["alice", "bob", "carol", "@dave:example.org", "nobody", "@mirage_alice:test.example"]));
    const postId = () => segment(postIds);
    const commentId = () => segment(commentIds);
    const page = () => {
      const query = [chance(0.5) ? `limit=${pick(["1", "2", "20", "0", "500", "x"])}` : "", chance(0.4) ? `cursor=${encode(pick(cursors))}` : ""].filter(Boolean);
      return query.length > 0 ? `?${query.join("&")}` : "";
    };
    const tag = () => (chance(0.8) ? pick(["travel", "Food Notes", "x", "日記"]) : text());
    const slug = () => (chance(0.7) ? pick(slugs) : chance(0.5) ? pick(["my-slug", "a-2", "post"]) : text());
    const postBody = () =>
      mutate({ title: text(), body: text(), ...(chance(0.5) ? { tags: [tag(), tag()] } : {}), ...(chance(0.5) ? { published: chance(0.7) } : {}), ...(chance(0.2) ? { slug: slug() } : {}), ...(chance(0.1) ? { commentsOpen: chance(0.8) } : {}) });

    const requests: Array<() => [string, string, unknown?]> = [
      () => ["GET", `/api/v1/blogs/${owner()}`],
      () => ["PATCH", `/api/v1/blogs/${owner()}`, mutate({ title: text(), description: text(), ...(chance(0.1) ? { blockedCommenters: [pick(["bob", "carol", "@dave:example.org"]), text()] } : {}) })],
      () => ["GET", `/api/v1/blogs/${owner()}/posts${page()}`],
      () => ["POST", `/api/v1/blogs/${owner()}/posts`, postBody()],
      () => ["POST", `/api/v1/blogs/${owner()}/posts`, postBody()],
      () => ["GET", `/api/v1/blogs/${owner()}/posts/${segment(slugs)}`],
      () => ["GET", `/api/v1/posts/${postId()}`],
      () => ["PATCH", `/api/v1/posts/${postId()}`, postBody()],
      () => ["DELETE", `/api/v1/posts/${postId()}`],
      () => ["GET", `/api/v1/posts/${postId()}/comments${page()}`],
      () => ["POST", `/api/v1/posts/${postId()}/comments`, mutate({ body: text(), ...(chance(0.5) ? { parentId: pick(commentIds) } : {}) })],
      () => ["POST", `/api/v1/posts/${postId()}/comments`, mutate({ body: text(), ...(chance(0.5) ? { parentId: pick(commentIds) } : {}) })],
      () => ["PATCH", `/api/v1/comments/${commentId()}`, mutate({ body: text() })],
      () => ["DELETE", `/api/v1/comments/${commentId()}`],
      () => ["POST", "/api/v1/previews/markdown", mutate({ body: text() })],
      () => [pick(["PUT", "PUT", "DELETE"]), `/api/v1/posts/${postId()}/reactions/${segment(["👍", "❤️", "__proto__", "e\u0301", "\u00e9", "k"])}`],
      () => [pick(["PUT", "PUT", "DELETE"]), `/api/v1/posts/${postId()}/reactions/${segment(["👍", "❤️", "__proto__", "e\u0301", "\u00e9", "k"])}`],
      () => [pick(["PUT", "PUT", "DELETE"]), `/api/v1/comments/${commentId()}/reactions/${segment(["👍", "🎉", "constructor", "k"])}`],
      () => [pick(["PUT", "PUT", "DELETE"]), `/api/v1/comments/${commentId()}/reactions/${segment(["👍", "🎉", "constructor", "k"])}`],
      () => [pick(["PUT", "DELETE"]), `/api/v1/messages/${segment([message.id, "m_gone"])}/reactions/${segment(["👋", "k"])}`],
    ];

    const statuses = new Map<number, number>();
    for (let i = 0; i < REQUESTS; i++) {
      const who = pick(["alice", "alice", "alice", "bob", "bob", "carol", "carol", "none", "garbage"] as const);
      self = who === "none" || who === "garbage" ? "alice" : who;
      const [method, url, body] = pick(requests)();
      const token = who === "none" ? undefined : who === "garbage" ? "x.y.z" : tokens[who];
      const res = await h.app.inject({
        method: method as "GET",
        url,
        ...(body === undefined ? {} : { payload: JSON.stringify(body), headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) } }),
        ...(body === undefined && token ? { headers: { authorization: `Bearer ${token}` } } : {}),
      });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      const label = `#${i} ${method} ${url.slice(0, 120)} ${JSON.stringify(body)?.slice(0, 200)} -> ${res.statusCode} ${res.body.slice(0, 200)}`;
      expect(res.statusCode, label).toBeLessThan(500);
      const parsed = res.body === "" ? undefined : (JSON.parse(res.body) as any);
      if (res.statusCode >= 400) expect(typeof parsed?.error?.code, label).toBe("string");
      if (res.statusCode === 201 && parsed?.slug !== undefined) {
        postIds.push(parsed.id);
        slugs.push(parsed.slug);
      } else if (res.statusCode === 201 && parsed?.postId !== undefined) {
        commentIds.push(parsed.id);
      }
      if (typeof parsed?.next === "string") cursors.push(parsed.next);
    }

    // Enough got through validation for the consistency check below to mean something (most
    // requests are meant to fail: odd owners, other people's posts, broken bodies).
    const ok = [...statuses].filter(([status]) => status < 300).reduce((sum, [, count]) => sum + count, 0);
    const summary = JSON.stringify([...statuses].sort());
    expect(ok, summary).toBeGreaterThan(REQUESTS / 10);
    expect(postIds.length, summary).toBeGreaterThan(5);
    expect(commentIds.length, summary).toBeGreaterThan(3);
    expect(await blogStoreProblems(h.db)).toEqual([]);
    const mine = (await openApiOperations(h.app)).filter((op) => op.tags.some((tag) => (FUZZ_TAGS.blogs as readonly string[]).includes(tag))).map((op) => op.route);
    expect(mine.filter((route) => !reached.has(route))).toEqual([]);
  });
});
