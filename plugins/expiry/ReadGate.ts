import { ErrorCodes, MirageError } from "../../src/platform/errors/MirageError.js";
import { asMessageId, asRoomId } from "../../src/platform/ids.js";
import { people } from "../../src/platform/people/people.js";
import type { PluginContext } from "../../src/plugins/pluginApi.js";

/** A message of an `after_read` room whose time has not started: who has not read it yet. */
interface Unread {
  messageId: string;
  ms: number;
  waitingFor: string[];
}

/** Fixed-width timeline position, so a room's entries list in timeline order. */
const unreadPrefix = (roomId: string) => `unread:${roomId}:`;
const unreadKey = (roomId: string, seq: number, messageId: string) => `${unreadPrefix(roomId)}${String(seq).padStart(12, "0")}:${messageId}`;
const seqOfKey = (key: string) => Number(key.split(":").at(-2));
/** Read per store listing. */
const PAGE = 500;

/**
 * `after_read` timers: a message's time starts once every other member joined when it was sent
 * has read it (their read marker at or after it, on the web or from a Matrix read receipt; sending
 * a later message counts as reading what came before). A member who leaves is no longer waited
 * for; a message nobody else could read (the sender alone in the room) starts at once. Until then
 * it waits in the plugin's store (`unread:<room>:<seq>:<message>`), then gets its due time.
 */
export class ReadGate {
  constructor(
    private readonly ctx: Pick<PluginContext<unknown>, "store" | "platform">,
    /** Gives the message its due time. */
    private readonly schedule: (messageId: string, at: number) => Promise<void>,
  ) {}

  /** A new message in an `after_read` room (`ms`: its lifetime once read), sent at `at`. */
  async created(roomId: string, messageId: string, sender: string, at: number, ms: number): Promise<void> {
    const seen = await this.seqOf(sender, messageId);
    if (!seen) return;
    const others = seen.members.filter((m) => m.membership === "join" && m.member !== sender).map((m) => m.member);
    if (others.length === 0) return this.schedule(messageId, at + ms);
    await this.ctx.store.put(unreadKey(roomId, seen.seq, messageId), { messageId, ms, waitingFor: others } satisfies Unread);
  }

  /** `member` has read the room up to `messageId`, at `at`: what everyone has read now starts its time. */
  async read(roomId: string, member: string, messageId: string, at: number): Promise<void> {
    if (!(await this.hasWaiting(roomId))) return;
    const seen = await this.seqOf(member, messageId);
    if (seen) await this.update(roomId, at, (key) => seqOfKey(key) <= seen.seq, member);
  }

  /** `member` left (or was removed from) the room at `at`: nothing waits for them any more. */
  left(roomId: string, member: string, at: number): Promise<void> {
    return this.update(roomId, at, () => true, member);
  }

  /** Takes `member` off what waits for them among the entries `applies` picks; what nobody is waited for any more gets its due time. */
  private async update(roomId: string, at: number, applies: (key: string) => boolean, member: string): Promise<void> {
    let after: string | undefined;
    for (;;) {
      const page = await this.ctx.store.list<Unread>(unreadPrefix(roomId), { limit: PAGE, ...(after === undefined ? {} : { after }) });
      for (const { key, value } of page) {
        if (!applies(key)) return;
        if (!value.waitingFor.includes(member)) continue;
        const waitingFor = value.waitingFor.filter((m) => m !== member);
        if (waitingFor.length > 0) {
          await this.ctx.store.put(key, { ...value, waitingFor });
          continue;
        }
        await this.schedule(value.messageId, at + value.ms);
        await this.ctx.store.delete(key);
      }
      if (page.length < PAGE) return;
      after = page[page.length - 1]!.key;
    }
  }

  private async hasWaiting(roomId: string): Promise<boolean> {
    return (await this.ctx.store.list(unreadPrefix(roomId), { limit: 1 })).length > 0;
  }

  /** The message's timeline position and the room's members, as `reader` sees them; undefined when they cannot (gone, or not theirs to read). */
  private async seqOf(reader: string, messageId: string) {
    const { chat } = this.ctx.platform;
    const person = people.fromId(reader);
    try {
      const message = await chat.getMessage(person, asMessageId(messageId));
      const { members } = await chat.getRoom(person, asRoomId(message.roomId));
      return { seq: message.seq, members };
    } catch (error) {
      if (error instanceof MirageError && (error.code === ErrorCodes.notFound || error.code === ErrorCodes.forbidden)) return undefined;
      throw error;
    }
  }
}
