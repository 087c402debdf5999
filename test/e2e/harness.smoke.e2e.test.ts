import type { MatrixClient } from 'matrix-js-sdk';
import { Preset } from 'matrix-js-sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { injectedRegistration, injectedSynapse } from './harness/context.js';
import { requestJson } from './harness/http.js';
import { createClient, registerUser, stopClient, uniqueLocalpart, waitForEvent } from './harness/users.js';

describe('e2e harness', () => {
  const synapse = injectedSynapse();
  const clients: MatrixClient[] = [];

  beforeAll(() => {
    expect(inject('appservicePort')).toBeGreaterThan(0);
  });

  afterAll(() => {
    for (const client of clients) stopClient(client);
  });

  it('has loaded the appservice registration', async () => {
    const registration = await injectedRegistration();
    const whoami = await requestJson<{ user_id: string }>(`${synapse.url}/_matrix/client/v3/account/whoami`, {
      accessToken: registration.asToken,
    });
    expect(whoami.user_id).toBe(`@${registration.senderLocalpart}:${synapse.serverName}`);
  });

  it('lets two users talk through matrix-js-sdk', async () => {
    const alice = await registerUser(synapse, uniqueLocalpart('alice'));
    const bob = await registerUser(synapse, uniqueLocalpart('bob'));
    expect(alice.userId).toMatch(new RegExp(`^@alice_[0-9a-f]+:${synapse.serverName}$`));

    const aliceClient = await createClient(synapse, alice);
    clients.push(aliceClient);
    const bobClient = await createClient(synapse, bob);
    clients.push(bobClient);

    const { room_id: roomId } = await aliceClient.createRoom({ preset: Preset.PublicChat, name: 'smoke' });
    await bobClient.joinRoom(roomId);
    const body = `hello ${uniqueLocalpart('msg')}`;
    const { event_id: eventId } = await aliceClient.sendTextMessage(roomId, body);

    const seen = await waitForEvent(bobClient, roomId, (event) => event.getId() === eventId);
    expect(seen.getType()).toBe('m.room.message');
    expect(seen.getSender()).toBe(alice.userId);
    expect(seen.getContent()).toMatchObject({ msgtype: 'm.text', body });
  });
});
