import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import type { MatrixClient } from 'matrix-js-sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ApiMessage, sharedRoom, signUp, type WebUser } from './harness/bridgeRoom.js';
import { injectedSynapse } from './harness/context.js';
import { requestJson } from './harness/http.js';
import { type MirageProcess, startMirage } from './harness/mirageProcess.js';
import { createClient, registerUser, stopClient, type TestUser, uniqueLocalpart } from './harness/users.js';

/*
 * A web client's long-poll carries what an Element user wrote, with the sender's Matrix profile,
 * so the client shows it without fetching the message: the promise of sync events with objects.
 */

const synapse = injectedSynapse();
let mirage: MirageProcess;
let bob: MatrixClient | undefined;
let bobUser: TestUser;
let alice: WebUser;

interface SyncedEvent {
  kind: string;
  roomId?: string;
  data: { messageId?: string };
  object?: ApiMessage & { senderProfile: { displayName: string } };
}

beforeAll(async () => {
  mirage = await startMirage({
    dir: await mkdtemp(join(inject('workDir'), 'mirage-sync-objects-')),
    homeserverUrl: synapse.url,
    serverName: synapse.serverName,
    registrationPath: inject('registrationPath'),
    appservicePort: inject('appservicePort'),
    extra: { encryption: { enabled: false } },
  });
  await mirage.waitForHealth((h) => h.status === 'ok', 60_000);
  bobUser = await registerUser(synapse, uniqueLocalpart('bob'));
  bob = await createClient(synapse, bobUser);
  alice = await signUp(mirage, 'alice');
});

afterAll(async () => {
  if (bob) stopClient(bob);
  await mirage?.stop();
});

/** Long-polls from `since` until an event of `kind` arrives; resolves with it and the position after it. */
async function pollFor(since: string, kind: string): Promise<{ event: SyncedEvent; next: string }> {
  for (let next = since; ; ) {
    const url = `${mirage.apiUrl}/api/v1/sync?since=${encodeURIComponent(next)}&timeout=20000`;
    const answer = await requestJson<{ events: SyncedEvent[]; next: string }>(url, { accessToken: alice.accessToken, timeoutMs: 40_000 });
    const event = answer.events.find((e) => e.kind === kind);
    if (event) return { event, next: answer.next };
    next = answer.next;
  }
}

describe('sync events carry their objects', () => {
  it("a web user's long-poll carries the message an Element user sent, with the sender's profile, and its edit", { timeout: 120_000 }, async () => {
    await bob!.setDisplayName('Bob in Element');
    const { roomId, portal } = await sharedRoom(mirage, synapse, alice, bobUser);
    const { next: since } = await requestJson<{ next: string }>(`${mirage.apiUrl}/api/v1/sync`, { accessToken: alice.accessToken });

    const { event_id: eventId } = await bob!.sendMessage(portal, { msgtype: 'm.text', body: 'hello from Element' } as never);
    const created = await pollFor(since, 'message.created');
    expect(created.event.roomId).toBe(roomId);
    expect(created.event.object).toMatchObject({
      id: created.event.data.messageId,
      roomId,
      sender: bobUser.userId,
      senderProfile: { displayName: 'Bob in Element' },
      body: 'hello from Element',
      deleted: false,
    });
    // The same as the message page shows alice.
    const page = await requestJson<{ messages: ApiMessage[] }>(`${mirage.apiUrl}/api/v1/rooms/${roomId}/messages`, { accessToken: alice.accessToken });
    expect(created.event.object).toEqual(page.messages.find((m) => m.id === created.event.data.messageId));

    await bob!.sendMessage(portal, {
      msgtype: 'm.text',
      body: '* hello again',
      'm.new_content': { msgtype: 'm.text', body: 'hello again' },
      'm.relates_to': { rel_type: 'm.replace', event_id: eventId },
    } as never);
    const edited = await pollFor(created.next, 'message.edited');
    expect(edited.event.object).toMatchObject({ id: created.event.data.messageId, body: 'hello again', editedAt: expect.any(String) });
  });
});
