import { ErrorCodes, MirageError } from "../errors/MirageError.js";
import type { DeadLetters, DeadLetterSummary } from "../ports/DeadLetters.js";
import type { Command } from "./Command.js";

export interface DeadLetterCommandOptions {
  deadLetters: DeadLetters;
  /** Called after dead letters went back into their lanes, so they run. */
  onRequeued(): void;
}

/** Dead letters shown per listing; the rest are counted. */
const LIST_LIMIT = 20;

/**
 * `!mirage deadletters` and `!mirage retry <id|all>` (bridge admins): list the events and
 * sends that used up their retry budget and put them back. A received event goes to the tail
 * of its room's lane, not the head: the events behind it were already handled, so its place
 * cannot be restored, and a retry that fails again must not hold up what the room received
 * since. A send keeps its id (the Matrix transaction id, so it is never sent twice) and goes next.
 */
export function deadLetterCommands(options: DeadLetterCommandOptions): Command[] {
  const { deadLetters } = options;
  return [
    {
      name: "mirage deadletters",
      summary: "list events that kept failing and were set aside",
      permission: "bridgeAdmin",
      async run(ctx) {
        const [items, total] = await Promise.all([deadLetters.list(LIST_LIMIT), deadLetters.count()]);
        if (total === 0) {
          ctx.reply("No dead letters: every event was handled.");
          return;
        }
        const lines = items.map(describe);
        const more = total > items.length ? `\n…and ${total - items.length} more.` : "";
        ctx.reply(`${total} dead letter(s); retry with !mirage retry <id> or !mirage retry all:\n${lines.join("\n")}${more}`);
      },
    },
    {
      name: "mirage retry",
      summary: "put a dead letter (or all of them) back into its room's queue",
      permission: "bridgeAdmin",
      args: [{ name: "id", description: "a dead letter's id from !mirage deadletters, or all", required: true }],
      async run(ctx) {
        const id = ctx.args.id!;
        let retried = 0;
        if (id.toLowerCase() === "all") {
          // Re-listing from the start each round: requeued letters are gone, new ones are not lost.
          for (let round = 0; round < 1000; round++) {
            const batch = await deadLetters.list(LIST_LIMIT);
            if (batch.length === 0) break;
            for (const item of batch) if (await deadLetters.requeue(item.id)) retried += 1;
          }
        } else if (await deadLetters.requeue(id)) {
          retried = 1;
        } else {
          throw new MirageError(ErrorCodes.notFound, `There is no dead letter ${id}; see !mirage deadletters.`);
        }
        if (retried > 0) options.onRequeued();
        ctx.reply(retried === 1 ? "Retrying 1 event." : `Retrying ${retried} events.`);
      },
    },
  ];
}

function describe(item: DeadLetterSummary): string {
  const last = new Date(item.lastFailureAt).toISOString();
  const what =
    item.source === "inbox"
      ? `${item.eventType} ${item.eventId} from ${item.sender}`
      : item.source === "outbox"
        ? `send of ${item.eventType} as ${item.sender}`
        : `${item.eventType} by ${item.sender} (${item.source})`;
  const where = item.roomId === "" ? "" : ` in ${item.roomId}`;
  return `#${item.id} ${what}${where}: ${item.attempts} attempt(s), last error ${item.error} at ${last}`;
}
