import { randomBytes } from 'node:crypto';
import { requestJson } from './http.js';
import type { MirageProcess } from './mirageProcess.js';
import type { SynapseEndpoint } from './synapse.js';
import { uniqueLocalpart, type TestUser } from './users.js';

/* Helpers for bridge tests: web accounts, a portal shared with a Matrix user, both sides' timelines read in full. */

export interface WebUser {
  name: string;
  accessToken: string;
}

export interface ApiMessage {
  id: string;
  seq: number;
  sender: string;
  body: string;
  html: string;
  kind?: string;
  parentId?: string;
  threadId?: string;
  deleted: boolean;
  reactions: Record<string, number>;
  delivery?: { state: string; reason: string };
  threadSummary?: { count: number; latestId: string };
}

export interface RawEvent {
  event_id: string;
  type: string;
  sender: string;
  content: Record<string, unknown>;
  redacts?: string;
}

const api = (mirage: MirageProcess, path: string) => `${mirage.apiUrl}/api/v1${path}`;

export async function signUp(mirage: MirageProcess, prefix = 'web'): Promise<WebUser> {
  const name = uniqueLocalpart(prefix).toLowerCase();
  const { accessToken } = await requestJson<{ accessToken: string }>(api(mirage, '/accounts'), { body: { username: name, password: 'correct horse battery' } });
  return { name, accessToken };
}

/**
 * A Mirage room created by `owner` with `invite` (web names and Matrix IDs), its portal joined by
 * `matrixUser` (through the portal's alias, once it exists) and the join seen on the platform.
 */
export async function sharedRoom(
  mirage: MirageProcess,
  synapse: SynapseEndpoint,
  owner: WebUser,
  matrixUser: TestUser,
  invite: readonly string[] = [],
): Promise<{ roomId: string; portal: string }> {
  const room = await requestJson<{ id: string }>(api(mirage, '/rooms'), { body: { name: 'Bridge test', invite: [matrixUser.userId, ...invite] }, accessToken: owner.accessToken });
  const alias = `#mirage_${room.id}:${synapse.serverName}`;
  const portal = await waitFor('the portal joined', async () => {
    try {
      return (await requestJson<{ room_id: string }>(`${synapse.url}/_matrix/client/v3/join/${encodeURIComponent(alias)}`, { body: {}, accessToken: matrixUser.accessToken })).room_id;
    } catch {
      // The portal or its invite is not there yet.
      return undefined;
    }
  });
  await waitFor('the Matrix user a member on the platform', async () => {
    const { members } = await requestJson<{ members: { member: string; membership: string }[] }>(api(mirage, `/rooms/${room.id}`), { accessToken: owner.accessToken });
    return members.some((m) => m.member === matrixUser.userId && m.membership === 'join') || undefined;
  });
  return { roomId: room.id, portal };
}

/** Resolves with the first defined value `probe` gives, trying every 250 ms (usable in hooks, unlike `expect.poll`). */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Every message of a room's main timeline on the platform (or of one thread, with `threadId`), oldest first. */
export async function platformMessages(mirage: MirageProcess, roomId: string, reader: WebUser, threadId?: string): Promise<ApiMessage[]> {
  const all: ApiMessage[] = [];
  let before: number | null | undefined;
  do {
    const query = `limit=100${before ? `&before=${before}` : ''}${threadId ? `&threadId=${threadId}` : ''}`;
    const page = await requestJson<{ messages: ApiMessage[]; nextBefore: number | null }>(api(mirage, `/rooms/${roomId}/messages?${query}`), { accessToken: reader.accessToken });
    all.push(...page.messages);
    before = page.nextBefore;
  } while (before);
  return all.reverse();
}

/** Every message of a room, thread replies included (each thread after its root), oldest first. */
export async function allPlatformMessages(mirage: MirageProcess, roomId: string, reader: WebUser): Promise<ApiMessage[]> {
  const all: ApiMessage[] = [];
  for (const message of await platformMessages(mirage, roomId, reader)) {
    all.push(message);
    if (message.threadSummary) all.push(...(await platformMessages(mirage, roomId, reader, message.id)));
  }
  return all;
}

/** Every event of a Matrix room's timeline as `user` sees it, oldest first. */
export async function matrixTimeline(synapse: SynapseEndpoint, user: TestUser, roomId: string): Promise<RawEvent[]> {
  const events: RawEvent[] = [];
  let from: string | undefined;
  for (;;) {
    const query = new URLSearchParams({ dir: 'b', limit: '500', ...(from ? { from } : {}) });
    const page = await requestJson<{ chunk: RawEvent[]; end?: string }>(`${synapse.url}/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages?${query}`, {
      accessToken: user.accessToken,
    });
    events.push(...page.chunk);
    if (!page.end || page.chunk.length === 0) break;
    from = page.end;
  }
  return events.reverse();
}

/** Sends an event as `user` with the client-server API, as any client would (content unchecked). */
export async function sendRaw(synapse: SynapseEndpoint, user: TestUser, roomId: string, type: string, content: unknown): Promise<string> {
  const txn = `t${randomBytes(8).toString('hex')}`;
  const url = `${synapse.url}/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/${encodeURIComponent(type)}/${txn}`;
  return (await requestJson<{ event_id: string }>(url, { method: 'PUT', body: content, accessToken: user.accessToken })).event_id;
}

/** Sets a state event as `user`. */
export async function sendState(synapse: SynapseEndpoint, user: TestUser, roomId: string, type: string, stateKey: string, content: unknown): Promise<string> {
  const url = `${synapse.url}/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state/${encodeURIComponent(type)}/${encodeURIComponent(stateKey)}`;
  return (await requestJson<{ event_id: string }>(url, { method: 'PUT', body: content, accessToken: user.accessToken })).event_id;
}
