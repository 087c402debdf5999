import { describe, expect, it } from 'vitest';
import { matchRoute } from '../../src/web/client/matchRoute.js';
import { countsObject, messageObject, roomOf } from '../../src/web/client/screens/syncObjects.js';
import type { SyncEvent } from '../../src/web/client/transport.js';

describe('client routes', () => {
  const table = [{ path: '/app/' }, { path: '/app/rooms/:roomId' }, { path: '/app/sign-in' }];

  it('matches fixed paths and decodes parameters', () => {
    expect(matchRoute(table, '/app/')?.route.path).toBe('/app/');
    expect(matchRoute(table, '/app')?.route.path).toBe('/app/');
    expect(matchRoute(table, '/app/rooms/r%2F1')).toEqual({ route: table[1], params: { roomId: 'r/1' } });
  });

  it('matches nothing for unknown, empty-parameter or malformed paths', () => {
    expect(matchRoute(table, '/app/rooms/')).toBeUndefined();
    expect(matchRoute(table, '/app/rooms/a/b')).toBeUndefined();
    expect(matchRoute(table, '/app/rooms/%E0%A4%A')).toBeUndefined();
    expect(matchRoute(table, '/app/nope')).toBeUndefined();
  });
});

describe('objects carried by sync events', () => {
  const message = { id: 'm1', roomId: 'r', seq: 3, sender: 'bob', senderProfile: { displayName: 'Bob' }, body: 'hi', html: '<p>hi</p>', kind: 'text', createdAt: '', deleted: false, reactions: {}, myReactions: [] };
  const event = (object: unknown, data: Partial<SyncEvent['data']> = {}): SyncEvent => ({ kind: 'message.created', data: { type: 'message.created', by: 'bob', at: '', ...data }, object });

  it('reads the message whether it comes wrapped or bare, and nothing when absent or partial', () => {
    expect(messageObject(event({ message }))).toEqual(message);
    expect(messageObject(event(message))).toEqual(message);
    expect(messageObject(event(undefined))).toBeUndefined();
    expect(messageObject(event({ message: { id: 'm1' } }))).toBeUndefined();
  });

  it('reads reaction counts in either shape', () => {
    expect(countsObject(event({ counts: { '👍': 2 } }))).toEqual({ reactions: { '👍': 2 } });
    expect(countsObject(event({ counts: { reactions: { '👍': 2 }, myReactions: ['👍'] } }))).toEqual({ reactions: { '👍': 2 }, myReactions: ['👍'] });
    expect(countsObject(event({ reactions: { '🎉': 1 } }))).toEqual({ reactions: { '🎉': 1 } });
    expect(countsObject(event(undefined))).toBeUndefined();
  });

  it('finds the room of message and reaction events', () => {
    expect(roomOf(event(undefined, { roomId: 'r1' }))).toBe('r1');
    expect(roomOf(event(undefined, { target: { kind: 'message', id: 'm', roomId: 'r2' } }))).toBe('r2');
  });
});
