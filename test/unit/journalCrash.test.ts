import { spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { JournalEntry } from "../../src/platform/ports/Journal.js";
import { openLevelStore } from "../../src/store/openStore.js";
import { prng } from "../support/prng.js";
import { asPersonId } from "../../src/platform/people/Person.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const child = path.join(root, "test/unit/fixtures/journalCrashChild.ts");

/** Runs the writer child until it reported `writes` completed writes, then kills it with SIGKILL. */
function writeThenKill(dir: string, round: number, writes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ["--import", "tsx", child, dir, String(round)], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let lines = 0;
    let err = "";
    proc.stdout.on("data", (chunk: Buffer) => {
      lines += chunk.toString().split("\n").length - 1;
      if (lines >= writes) proc.kill("SIGKILL");
    });
    proc.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    proc.on("error", reject);
    proc.on("close", (code, signal) => (signal === "SIGKILL" ? resolve(lines) : reject(new Error(`writer ended with ${signal ?? code}: ${err}`))));
  });
}

const count = (entries: JournalEntry[], type: string, id: (entry: JournalEntry) => string) => {
  const out = new Map<string, number>();
  for (const entry of entries) if (entry.event.type === type) out.set(id(entry), (out.get(id(entry)) ?? 0) + 1);
  return out;
};
const messageOf = (entry: JournalEntry) => ("messageId" in entry.event ? entry.event.messageId : "target" in entry.event ? entry.event.target.id : "");
const commentOf = (entry: JournalEntry) => ("commentId" in entry.event ? entry.event.commentId : "");

describe("the journal across kill -9", () => {
  it("every committed change has its journal entry and no entry exists without its change", { timeout: 300_000 }, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mirage-journal-crash-"));
    const random = prng(9);
    let reported = 0;
    for (let round = 0; round < 4; round++) reported += await writeThenKill(dir, round, 20 + random.int(180));

    const store = await openLevelStore(dir);
    const head = await store.journal.head();
    const entries = await store.journal.read(0, 100_000);
    // Gap-free from 1, nothing beyond the last committed position.
    expect(entries.map((entry) => entry.position)).toEqual(Array.from({ length: head }, (_, i) => i + 1));
    // Every write the children reported done is there (some more may have committed unreported).
    expect(entries.filter((entry) => entry.event.type !== "room.created" && entry.event.type !== "member.changed" && entry.event.type !== "post.created").length).toBeGreaterThanOrEqual(reported);

    const room = (await store.rooms.roomsOf(asPersonId("alice")))[0]!.roomId;
    const messages = await store.messages.page(room, { limit: 100_000 });
    const created = count(entries, "message.created", messageOf);
    const deleted = count(entries, "message.deleted", messageOf);
    expect([...created.keys()].sort()).toEqual(messages.map((m) => m.id).sort());
    expect([...created.values()].every((n) => n === 1)).toBe(true);
    expect([...deleted.keys()].sort()).toEqual(messages.filter((m) => m.deleted).map((m) => m.id).sort());
    expect([...deleted.values()].every((n) => n === 1)).toBe(true);

    const added = count(entries, "reaction.added", messageOf);
    const removed = count(entries, "reaction.removed", messageOf);
    const counts = await store.reactions.countsMany(messages.map((m) => ({ kind: "message" as const, id: m.id })));
    messages.forEach((m, i) => expect({ id: m.id, n: counts[i]!["👍"] ?? 0 }).toEqual({ id: m.id, n: (added.get(m.id) ?? 0) - (removed.get(m.id) ?? 0) }));

    const posts = (await store.posts.list("alice", { includeDrafts: true, limit: 10 })).posts;
    const stats = await store.comments.stats(posts[0]!.id);
    const commented = count(entries, "comment.created", commentOf);
    const uncommented = count(entries, "comment.deleted", commentOf);
    expect(stats.count).toBe(commented.size - uncommented.size);
    for (const id of commented.keys()) expect(await store.comments.get(id as never)).toBeDefined();
    for (const id of uncommented.keys()) expect((await store.comments.get(id as never))?.deleted).toBe(true);
    await store.close();
  });
});
