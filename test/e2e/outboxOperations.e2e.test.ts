import { randomBytes } from 'node:crypto';
import { Direction, type MatrixClient, type MatrixEvent } from 'matrix-js-sdk';
import { MemoryLevel } from 'memory-level';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../../src/config/loadConfig.js';
import { createLogger } from '../../src/log/createLogger.js';
import { createAppserviceMetrics } from '../../src/matrix/appserviceMetrics.js';
import { createAppservice } from '../../src/matrix/createAppservice.js';
import { OutboxSender } from '../../src/matrix/OutboxSender.js';
import { readRegistration } from '../../src/matrix/registration.js';
import type { OutboxEntryInput } from '../../src/platform/ports/Outbox.js';
import type { RootLevel } from '../../src/store/LevelDatabase.js';
import { storeOver, type Store } from '../../src/store/openStore.js';
import { injectedSynapse } from './harness/context.js';
import { createClient, registerUser, stopClient, uniqueLocalpart, waitForEvent } from './harness/users.js';

const synapse = injectedSynapse();
let store: Store;
let sender: OutboxSender;
let bob: MatrixClient | undefined;
let bobId: string;
const failures: string[] = [];

/** Queues operations and drains the outbox until it is empty. */
async function carryOut(...ops: OutboxEntryInput[]): Promise<void> {
  await store.outbox.enqueue(ops, Date.now());
  await expect
    .poll(
      async () => {
        await sender.drain();
        return store.outbox.size();
      },
      { timeout: 30_000, interval: 200 },
    )
    .toBe(0);
}

beforeAll(async () => {
  // Mirage's own wiring of the Matrix side, in this process, with no appservice listener:
  // the outbox only talks to the homeserver's client-server API.
  const config = parseConfig({ homeserver: { url: synapse.url, domain: synapse.serverName }, encryption: { enabled: false } });
  const registration = await readRegistration(inject('registrationPath'));
  store = storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel);
  const appservice = createAppservice(config, registration, store.kv, createLogger('silent'));
  sender = new OutboxSender(store.outbox, appservice, createLogger('silent'), createAppserviceMetrics(new Registry()), {
    budget: { maxAttempts: 5, maxAgeMs: 60_000, initialDelayMs: 100, maxDelayMs: 1000 },
    mapping: store.idMapping,
    wake: () => undefined,
    onPermanentFailure: (entry, failure) => void failures.push(`${entry.op} ${failure.reason} ${failure.error}`),
  });
  const user = await registerUser(synapse, uniqueLocalpart('bob'));
  bobId = user.userId;
  bob = await createClient(synapse, user);
});

afterAll(async () => {
  sender?.stop();
  if (bob) stopClient(bob);
  await store?.close();
});

describe('the outbox on a real homeserver', () => {
  it('creates a portal with its alias and invite, then sends a message, reply, thread reply, edit, reaction and redaction by platform reference', async () => {
    const id = randomBytes(4).toString('hex');
    const ghost = `@mirage_alice${id}:${synapse.serverName}`;
    const room = { kind: 'room' as const, id };
    const msg = (m: string) => ({ kind: 'message' as const, id: `${id}-${m}` });
    const text = (m: string, body: string, extra: Partial<OutboxEntryInput> = {}): OutboxEntryInput =>
      ({ op: 'send', sender: ghost, room, eventType: 'm.room.message', content: { msgtype: 'm.text', body }, ref: msg(m), ...extra }) as OutboxEntryInput;

    await carryOut(
      { op: 'profile', sender: ghost, displayName: 'Alice' },
      { op: 'createRoom', sender: ghost, room, alias: `mirage_${id}`, name: 'Portal', isDirect: true, roomVersion: '11', invite: [bobId], powerLevels: { users: { [ghost]: 100 } } },
    );
    const roomId = (await store.idMapping.toMatrix(room))!.roomId;
    const alias = await bob!.getRoomIdForAlias(`#mirage_${id}:${synapse.serverName}`);
    expect(alias.room_id).toBe(roomId);
    await expect.poll(() => bob!.getRoom(roomId)?.getMyMembership(), { timeout: 15_000 }).toBe('invite');
    expect(bob!.getRoom(roomId)!.getMember(bobId)!.events.member!.getContent().is_direct).toBe(true);
    await bob!.joinRoom(roomId);

    await carryOut(
      text('root', 'root message'),
      text('reply', 'a reply', { relation: { type: 'reply', to: msg('root') } } as Partial<OutboxEntryInput>),
      text('thread', 'in the thread', { relation: { type: 'thread', root: msg('root') } } as Partial<OutboxEntryInput>),
      text('edit', 'root message, edited', { ref: undefined, relation: { type: 'edit', target: msg('root') } } as Partial<OutboxEntryInput>),
      { op: 'send', sender: ghost, room, eventType: 'm.reaction', content: {}, ref: { kind: 'reaction', id: `${id}-r` }, relation: { type: 'reaction', target: msg('reply'), key: '👍' } },
    );

    const eventId = async (ref: { kind: 'message' | 'reaction'; id: string }) => (await store.idMapping.toMatrix(ref))!.eventId!;
    const [root, reply, thread, reaction] = [
      await eventId(msg('root')),
      await eventId(msg('reply')),
      await eventId(msg('thread')),
      await eventId({ kind: 'reaction', id: `${id}-r` }),
    ];
    const seen = async (predicate: (e: MatrixEvent) => boolean) => {
      const event = await waitForEvent(bob!, roomId, (e) => e.getSender() === ghost && predicate(e), 30_000);
      return event.getWireContent();
    };

    expect(await seen((e) => e.getId() === root)).toEqual({ msgtype: 'm.text', body: 'root message' });
    expect(await seen((e) => e.getId() === reply)).toEqual({ msgtype: 'm.text', body: 'a reply', 'm.relates_to': { 'm.in_reply_to': { event_id: root } } });
    expect(await seen((e) => e.getId() === thread)).toEqual({
      msgtype: 'm.text',
      body: 'in the thread',
      'm.relates_to': { rel_type: 'm.thread', event_id: root, is_falling_back: true, 'm.in_reply_to': { event_id: root } },
    });
    expect(await seen((e) => e.getWireContent()['m.relates_to']?.rel_type === 'm.replace')).toEqual({
      msgtype: 'm.text',
      body: '* root message, edited',
      'm.new_content': { msgtype: 'm.text', body: 'root message, edited' },
      'm.relates_to': { rel_type: 'm.replace', event_id: root },
    });
    expect(await seen((e) => e.getId() === reaction)).toEqual({ 'm.relates_to': { rel_type: 'm.annotation', event_id: reply, key: '👍' } });
    expect(bob!.getRoom(roomId)!.getMember(ghost)?.name).toBe('Alice');

    // The same reaction queued again (another platform reference): Synapse refuses the duplicate, the outbox maps the existing one.
    await carryOut({ op: 'send', sender: ghost, room, eventType: 'm.reaction', content: {}, ref: { kind: 'reaction', id: `${id}-r2` }, relation: { type: 'reaction', target: msg('reply'), key: '👍' } });
    expect(await eventId({ kind: 'reaction', id: `${id}-r2` })).toBe(reaction);

    // Taking the reaction back is redacting it.
    await carryOut({ op: 'redact', sender: ghost, room, target: { kind: 'reaction', id: `${id}-r` }, reason: 'taken back' });
    expect(failures).toEqual([]);
    const redaction = await waitForEvent(bob!, roomId, (e) => e.getType() === 'm.room.redaction' && e.getSender() === ghost, 30_000);
    expect(redaction.event.redacts ?? redaction.getWireContent().redacts).toBe(reaction);
    expect(redaction.getWireContent()).toEqual({ reason: 'taken back', redacts: reaction });
    await expect.poll(() => bob!.getRoom(roomId)?.findEventById(reaction)?.isRedacted(), { timeout: 15_000 }).toBe(true);
  });

  it('repeats nothing after a crash between the homeserver\'s answer and the store: one room, one event', async () => {
    const id = randomBytes(4).toString('hex');
    const ghost = `@mirage_carol${id}:${synapse.serverName}`;
    const room = { kind: 'room' as const, id };
    const ops: OutboxEntryInput[] = [
      { op: 'createRoom', sender: ghost, room, alias: `mirage_${id}`, invite: [bobId] },
      { op: 'send', sender: ghost, room, eventType: 'm.room.message', content: { msgtype: 'm.text', body: 'only once' }, ref: { kind: 'message', id } },
    ];
    await store.outbox.enqueue(ops, Date.now());
    // Each entry's first completion is lost, as if the process died right after the homeserver answered.
    const complete = store.outbox.complete.bind(store.outbox);
    const lost = new Set<string>();
    store.outbox.complete = async (entryId, links) => {
      if (!lost.has(entryId)) {
        lost.add(entryId);
        throw new Error('process killed');
      }
      return complete(entryId, links);
    };
    try {
      await expect(sender.drain()).rejects.toThrow(/process killed/);
      await expect(sender.drain()).rejects.toThrow(/process killed/);
      await sender.drain();
    } finally {
      store.outbox.complete = complete;
    }
    expect(await store.outbox.size()).toBe(0);
    const roomId = (await store.idMapping.toMatrix(room))!.roomId;
    expect((await bob!.getRoomIdForAlias(`#mirage_${id}:${synapse.serverName}`)).room_id).toBe(roomId);
    await expect.poll(() => bob!.getRoom(roomId)?.getMyMembership(), { timeout: 15_000 }).toBe('invite');
    expect(bob!.getRooms().filter((r) => r.getMember(ghost) !== null && r.getMyMembership() === 'invite')).toHaveLength(1);
    await bob!.joinRoom(roomId);
    const eventId = (await store.idMapping.toMatrix({ kind: 'message', id }))!.eventId!;
    await waitForEvent(bob!, roomId, (e) => e.getId() === eventId, 30_000);
    const { chunk } = await bob!.createMessagesRequest(roomId, null, 50, Direction.Backward);
    expect(chunk.filter((e) => e.type === 'm.room.message').map((e) => [e.event_id, e.content.body])).toEqual([[eventId, 'only once']]);
    expect(failures).toEqual([]);
  });
});
