import pino from "pino";
import { describe, expect, it } from "vitest";
import { deliveryReason, markUndelivered, undeliveredMessage } from "../../src/bridge/markUndelivered.js";
import { ErrorCodes, MirageError } from "../../src/platform/errors/MirageError.js";
import type { OutboxEntry } from "../../src/platform/ports/Outbox.js";

/* The outbox's permanent-failure report, as the bridge turns it into a mark on the platform message. */

const base = { id: "0001", createdAt: 1, attempts: 1, sender: "@mirage_alice:t", room: { kind: "room" as const, id: "r_1" } };
const send: OutboxEntry = { ...base, op: "send", eventType: "m.room.message", content: { body: "x" }, ref: { kind: "message", id: "m_1" } };
const edit: OutboxEntry = { ...base, op: "send", eventType: "m.room.message", content: { body: "x" }, relation: { type: "edit", target: { kind: "message", id: "m_2" } } };
const reaction: OutboxEntry = { ...base, op: "send", eventType: "m.reaction", content: {}, ref: { kind: "reaction", id: "x" }, relation: { type: "reaction", target: { kind: "message", id: "m_3" }, key: "👍" } };
const redact: OutboxEntry = { ...base, op: "redact", target: { kind: "message", id: "m_4" } };
const failure = { at: 5, error: "413 M_TOO_LARGE", reason: "refused" as const };

describe("marking undelivered messages", () => {
  it("tells the platform the homeserver's errcode, else why the outbox gave up", () => {
    expect(deliveryReason(failure)).toBe("M_TOO_LARGE");
    expect(deliveryReason({ at: 1, error: "500", reason: "budget" })).toBe("budget");
    expect(deliveryReason({ at: 1, error: "unresolved edit target", reason: "unresolved" })).toBe("unresolved");
  });

  it("names the message of a send or an edit, nothing else", () => {
    expect([send, edit, reaction, redact].map(undeliveredMessage)).toEqual(["m_1", "m_2", undefined, undefined]);
  });

  it("marks the message with the failure's reason and counts it; a vanished message is skipped; other errors keep the report", async () => {
    const marked: Array<[string, string]> = [];
    const counted: string[] = [];
    let fail: Error | undefined;
    const hook = markUndelivered({
      chat: {
        markDeliveryFailed: async (id, reason) => {
          if (fail) throw fail;
          marked.push([id, reason]);
        },
      },
      logger: pino({ level: "silent" }),
      counted: (reason) => counted.push(reason),
    });
    await hook(send, failure);
    await hook(reaction, failure);
    expect(marked).toEqual([["m_1", "M_TOO_LARGE"]]);
    expect(counted).toEqual(["refused"]);
    fail = new MirageError(ErrorCodes.notFound, "message not found");
    await expect(hook(edit, failure)).resolves.toBeUndefined();
    fail = new Error("store closed");
    await expect(hook(edit, failure)).rejects.toThrow("store closed");
    expect(counted).toEqual(["refused"]);
  });
});
