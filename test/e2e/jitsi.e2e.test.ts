import { createRequire } from 'node:module';
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { jwtVerify } from 'jose';
import type { MatrixClient, MatrixEvent } from 'matrix-js-sdk';
import { WidgetParser } from 'matrix-widget-api';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { matrixTimeline, sendState, sharedRoom, signUp, waitFor, type WebUser } from './harness/bridgeRoom.js';
import { injectedRegistration, injectedSynapse } from './harness/context.js';
import { HttpError, requestJson } from './harness/http.js';
import { type MirageProcess, startMirage } from './harness/mirageProcess.js';
import { freePort } from './harness/ports.js';
import { createClient, registerUser, stopClient, type TestUser, uniqueLocalpart, waitForEvent } from './harness/users.js';

/* Jitsi calls from Element (`!call`) and from the web (`POST …/call`), against Synapse. */

const synapse = injectedSynapse();
const botId = `@mirage:${synapse.serverName}`;
const WIDGETS = 'im.vector.modular.widgets';
const LAYOUT = 'io.element.widgets.layout';
const SECRET = 'e2e-jitsi-app-secret-0123456789';
let mirage: MirageProcess;
let alice: WebUser;
let carol: TestUser;
let dave: TestUser;
let carolClient: MatrixClient;
let daveClient: MatrixClient;
let roomId: string;
let portal: string;

interface StateEvent {
  type: string;
  state_key: string;
  sender: string;
  event_id: string;
  room_id: string;
  origin_server_ts: number;
  content: Record<string, unknown>;
}

const api = (path: string) => `${mirage.apiUrl}/api/v1${path}`;
const inReplyTo = (event: MatrixEvent): string | undefined =>
  (event.getContent()['m.relates_to'] as { 'm.in_reply_to'?: { event_id?: string } } | undefined)?.['m.in_reply_to']?.event_id;

/** The portal's current state as a member reads it. */
async function roomState(user: TestUser): Promise<StateEvent[]> {
  return requestJson<StateEvent[]>(`${synapse.url}/_matrix/client/v3/rooms/${encodeURIComponent(portal)}/state`, { accessToken: user.accessToken });
}

/** The live (non-empty) widgets of the portal. */
async function liveWidgets(user: TestUser): Promise<StateEvent[]> {
  return (await roomState(user)).filter((e) => e.type === WIDGETS && Object.keys(e.content).length > 0);
}

async function layout(user: TestUser): Promise<Record<string, unknown> | undefined> {
  return (await roomState(user)).find((e) => e.type === LAYOUT && e.state_key === '')?.content;
}

/** matrix-widget-api 1.19's `isValidUrl` compares `URL.protocol` without its colon and so refuses every URL; parse with that one check corrected. */
function parseWidget(event: StateEvent) {
  const urlModule = createRequire(import.meta.url)('matrix-widget-api/lib/models/validation/url.js') as { isValidUrl: (url: string) => boolean };
  const original = urlModule.isValidUrl;
  urlModule.isValidUrl = (url) => ['http:', 'https:'].includes(new URL(url).protocol);
  try {
    return WidgetParser.parseRoomWidget(event);
  } finally {
    urlModule.isValidUrl = original;
  }
}

/** Sends a command and resolves with the bot's answer to it. */
async function command(client: MatrixClient, body: string): Promise<string> {
  const { event_id: eventId } = await client.sendTextMessage(portal, body);
  const reply = await waitForEvent(client, portal, (e) => e.getSender() === botId && inReplyTo(e) === eventId, 30_000);
  return String(reply.getContent().body);
}

beforeAll(async () => {
  const dir = await mkdtemp(join(inject('workDir'), 'mirage-jitsi-'));
  mirage = await startMirage({
    dir,
    homeserverUrl: synapse.url,
    serverName: synapse.serverName,
    registrationPath: inject('registrationPath'),
    appservicePort: inject('appservicePort'),
    apiPort: await freePort(),
    extra: { plugins: [{ id: 'jitsi', enabled: true, config: { domain: 'meet.example.org', appId: 'mirage-e2e' } }] },
    env: { MIRAGE_PLUGINS_JITSI_APP_SECRET: SECRET },
  });
  await mirage.waitForHealth((h) => h.status === 'ok');
  alice = await signUp(mirage, 'alice');
  [carol, dave] = await Promise.all([registerUser(synapse, uniqueLocalpart('carol')), registerUser(synapse, uniqueLocalpart('dave'))]);
  ({ roomId, portal } = await sharedRoom(mirage, synapse, alice, carol, [dave.userId]));
  await requestJson(`${synapse.url}/_matrix/client/v3/join/${encodeURIComponent(portal)}`, { body: {}, accessToken: dave.accessToken });
  // A room admin (here the bot, through the appservice token) makes carol a moderator; dave stays at 0.
  const { asToken } = await injectedRegistration();
  const bot = { userId: botId, accessToken: asToken } as TestUser;
  const levelsUrl = `${synapse.url}/_matrix/client/v3/rooms/${encodeURIComponent(portal)}/state/m.room.power_levels/`;
  const levels = await requestJson<{ users?: Record<string, number> }>(levelsUrl, { accessToken: asToken });
  await sendState(synapse, bot, portal, 'm.room.power_levels', '', { ...levels, users: { ...levels.users, [carol.userId]: 50 } });
  [carolClient, daveClient] = await Promise.all([createClient(synapse, carol), createClient(synapse, dave)]);
  syncFrom = (await requestJson<{ next: string }>(api('/sync?timeout=0'), { accessToken: alice.accessToken })).next;
});

let syncFrom: string;
interface PluginNotice {
  type: string;
  plugin: string;
  name: string;
  roomId: string;
  payload: Record<string, unknown>;
}

/** The web member's sync, polled from where the last call left off until a notice named `name` arrives. */
async function nextNotice(name: string): Promise<PluginNotice> {
  return waitFor(`sync's ${name}`, async () => {
    const answer = await requestJson<{ next: string; events: Array<{ kind: string; data: PluginNotice }> }>(
      api(`/sync?since=${encodeURIComponent(syncFrom)}&timeout=5000`),
      { accessToken: alice.accessToken },
    );
    syncFrom = answer.next;
    return answer.events.find((e) => e.kind === 'plugin.event' && e.data.name === name)?.data;
  });
}

afterAll(async () => {
  for (const client of [carolClient, daveClient]) if (client) stopClient(client);
  await mirage?.stop();
});

describe('!call in a portal', () => {
  it("adds Element's Jitsi widget and pins it, with exactly Element's fields, and posts the meeting link", async () => {
    await carolClient.sendTextMessage(portal, '!call');
    const [widget] = await waitFor('the widget', async () => ((await liveWidgets(carol)).length > 0 ? liveWidgets(carol) : undefined));
    const data = widget!.content.data as Record<string, unknown>;
    expect(widget!.sender).toBe(botId);
    expect(widget!.content).toEqual({
      type: 'jitsi',
      url: expect.stringMatching(/^https:\/\/app\.element\.io\/jitsi\.html\?confId=mirage[a-z0-9]{24}#conferenceDomain=\$domain&conferenceId=\$conferenceId&/),
      name: 'Jitsi',
      id: widget!.state_key,
      creatorUserId: carol.userId,
      waitForIframeLoad: true,
      data: { conferenceId: expect.stringMatching(/^mirage[a-z0-9]{24}$/), roomName: 'Bridge test', isAudioOnly: false, isVideoChannel: false, domain: 'meet.example.org' },
    });
    for (const variable of ['$matrix_user_id', '$matrix_display_name', '$matrix_avatar_url', '$matrix_room_id', '$theme', '$isAudioOnly', '$roomName']) {
      expect(widget!.content.url).toContain(variable);
    }
    const parsed = parseWidget(widget!);
    expect(parsed).not.toBeNull();
    expect({ id: parsed!.id, type: parsed!.type, creator: parsed!.creatorUserId, url: parsed!.templateUrl }).toEqual({
      id: widget!.state_key,
      type: 'jitsi',
      creator: carol.userId,
      url: widget!.content.url,
    });

    await waitFor('the layout', async () => ((await layout(carol))?.widgets ? true : undefined));
    expect(await layout(carol)).toEqual({ widgets: { [widget!.state_key]: { container: 'top', index: 0, width: 100, height: 40 } } });

    const notice = await waitFor('the meeting link', async () =>
      (await matrixTimeline(synapse, carol, portal)).find((e) => e.sender === botId && String(e.content.body).includes(`https://meet.example.org/${data.conferenceId}`)),
    );
    expect(notice.content.msgtype).toBe('m.notice');
  });

  it('refuses a member without the power level to change widgets, and the call stays', async () => {
    expect(await command(daveClient, '!call end')).toBe(
      "You cannot end the call here: that needs power level 50 to change the room's widgets, and yours is 0.",
    );
    expect(await liveWidgets(carol)).toHaveLength(1);
  });

  it('the web sees the call, and its members get their own token', async () => {
    const call = await requestJson<{ url: string; conferenceId: string; widgetId: string; creatorUserId: string }>(api(`/rooms/${roomId}/call`), {
      accessToken: alice.accessToken,
    });
    const [widget] = await liveWidgets(carol);
    expect(call).toMatchObject({ widgetId: widget!.state_key, creatorUserId: carol.userId });
    expect(await nextNotice('call.started')).toEqual({
      type: 'plugin.event',
      plugin: 'jitsi',
      name: 'call.started',
      roomId,
      payload: { widgetId: widget!.state_key, audioOnly: false, url: `https://meet.example.org/${call.conferenceId}`, startedBy: carol.userId },
      at: expect.any(String),
    });
    const url = new URL(call.url);
    expect(url.origin + url.pathname).toBe(`https://meet.example.org/${call.conferenceId}`);
    const { payload } = await jwtVerify(url.searchParams.get('jwt')!, new TextEncoder().encode(SECRET), {
      issuer: 'mirage-e2e',
      audience: 'jitsi',
      subject: 'meet.example.org',
    });
    expect(payload).toMatchObject({ room: call.conferenceId, context: { user: { id: alice.name } } });
  });

  it('a Matrix member gets their own token from the bot in a DM; in the call room the bot sends them there', async () => {
    expect(await command(carolClient, '!call token')).toBe(`Tokens are personal: send \`!call token ${portal}\` to me in a direct message.`);
    const { room_id: dm } = await carolClient.createRoom({ is_direct: true, invite: [botId], preset: 'trusted_private_chat' as never });
    await waitForEvent(carolClient, dm, (e) => e.getSender() === botId && String(e.getContent().body).includes('!mirage help'), 30_000);
    const { event_id: asked } = await carolClient.sendTextMessage(dm, `!call token ${portal}`);
    const reply = await waitForEvent(carolClient, dm, (e) => e.getSender() === botId && inReplyTo(e) === asked, 30_000);
    const body = String(reply.getContent().body);
    const link = new URL(body.slice(body.indexOf('https://')));
    const [widget] = await liveWidgets(carol);
    const conferenceId = (widget!.content.data as { conferenceId: string }).conferenceId;
    expect(link.origin + link.pathname).toBe(`https://meet.example.org/${conferenceId}`);
    const { payload } = await jwtVerify(link.searchParams.get('jwt')!, new TextEncoder().encode(SECRET), { issuer: 'mirage-e2e', audience: 'jitsi', subject: 'meet.example.org' });
    expect(payload).toMatchObject({ room: conferenceId, context: { user: { id: carol.userId } } });
  });

  it('!call end empties the widget and unpins it', async () => {
    const [widget] = await liveWidgets(carol);
    await carolClient.sendTextMessage(portal, '!call end');
    await waitFor('the widget emptied', async () => ((await liveWidgets(carol)).length === 0 ? true : undefined));
    const emptied = (await roomState(carol)).find((e) => e.type === WIDGETS && e.state_key === widget!.state_key);
    expect(emptied?.content).toEqual({});
    expect(parseWidget(emptied!)).toBeNull();
    await waitFor('the layout updated', async () => (Object.keys(((await layout(carol))?.widgets ?? {}) as object).length === 0 ? true : undefined));
    await expect(requestJson(api(`/rooms/${roomId}/call`), { accessToken: alice.accessToken })).rejects.toMatchObject({ status: 404 });
    expect((await nextNotice('call.ended')).payload).toEqual({ widgetId: widget!.state_key });
  });
});

describe('a web user starts and ends a call', () => {
  it('POST …/call puts the same widget, layout and link in Matrix; DELETE removes it', async () => {
    const started = await requestJson<{ url: string; conferenceId: string; widgetId: string; audioOnly: boolean }>(api(`/rooms/${roomId}/call`), {
      body: { audioOnly: true },
      accessToken: alice.accessToken,
    });
    expect(started.audioOnly).toBe(true);
    const widget = await waitFor('the widget from the web', async () => (await liveWidgets(carol)).find((e) => e.state_key === started.widgetId));
    expect(widget.content).toMatchObject({
      type: 'jitsi',
      id: started.widgetId,
      creatorUserId: `@mirage_${alice.name}:${synapse.serverName}`,
      data: { conferenceId: started.conferenceId, roomName: 'Bridge test', isAudioOnly: true, isVideoChannel: false, domain: 'meet.example.org' },
    });
    expect(parseWidget(widget)?.id).toBe(started.widgetId);
    await waitFor('the layout', async () => (((await layout(carol))?.widgets as Record<string, unknown> | undefined)?.[started.widgetId] ? true : undefined));
    await waitFor('the audio call notice', async () =>
      (await matrixTimeline(synapse, carol, portal)).find((e) => e.sender === botId && String(e.content.body).startsWith(`An audio call started: https://meet.example.org/${started.conferenceId}`)),
    );

    const again = await fetch(api(`/rooms/${roomId}/call`), {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.accessToken}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { widgetId: string }).widgetId).toBe(started.widgetId);

    const ended = await fetch(api(`/rooms/${roomId}/call`), { method: 'DELETE', headers: { authorization: `Bearer ${alice.accessToken}` } });
    expect(ended.status).toBe(204);
    await waitFor('the widget emptied', async () => ((await liveWidgets(carol)).length === 0 ? true : undefined));
    await waitFor('the layout updated', async () => (Object.keys(((await layout(carol))?.widgets ?? {}) as object).length === 0 ? true : undefined));
  });

  it('someone who is not a member cannot start a call in the room', async () => {
    const outsider = await signUp(mirage, 'outsider');
    const error = await requestJson(api(`/rooms/${roomId}/call`), { body: {}, accessToken: outsider.accessToken }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect([403, 404]).toContain((error as HttpError).status);
    expect(await liveWidgets(carol)).toHaveLength(0);
  });
});
