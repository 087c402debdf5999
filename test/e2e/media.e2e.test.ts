import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import type { MatrixClient } from 'matrix-js-sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { injectedRegistration, injectedSynapse } from './harness/context.js';
import { type MirageProcess, startMirage } from './harness/mirageProcess.js';
import { createClient, registerUser, stopClient, uniqueLocalpart } from './harness/users.js';

const synapse = injectedSynapse();
let mirage: MirageProcess;
let client: MatrixClient;

/** A valid PNG of `width`×1 random grey pixels, so the homeserver's thumbnailer accepts it. */
function png(width: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(1, 4);
  header.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale
  const scanline = Buffer.concat([Buffer.from([0]), randomBytes(width)]);
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a', 'hex'),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(scanline)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const mediaPath = (mxc: string) => {
  const [server, id] = mxc.slice('mxc://'.length).split('/');
  return `/media/${encodeURIComponent(server!)}/${encodeURIComponent(id!)}`;
};

beforeAll(async () => {
  mirage = await startMirage({
    dir: await mkdtemp(join(inject('workDir'), 'mirage-media-')),
    homeserverUrl: synapse.url,
    serverName: synapse.serverName,
    registrationPath: inject('registrationPath'),
    appservicePort: inject('appservicePort'),
  });
  await mirage.waitForHealth((h) => h.status === 'ok', 60_000);
  client = await createClient(synapse, await registerUser(synapse, uniqueLocalpart('painter')));
});

afterAll(async () => {
  if (client) stopClient(client);
  await mirage?.stop();
});

describe('Matrix media through Mirage', () => {
  it('serves a PNG a Matrix user uploaded, byte for byte, to an anonymous browser', async () => {
    const image = png(4096);
    const { content_uri: mxc } = await client.uploadContent(image, { type: 'image/png', name: 'grey.png' });
    expect(mxc).toMatch(new RegExp(`^mxc://${synapse.serverName.replace(/[.]/g, '\\.')}/`));

    const response = await fetch(`${mirage.apiUrl}${mediaPath(mxc)}`, { signal: AbortSignal.timeout(30_000) });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    expect(response.headers.get('cache-control')).toMatch(/^public, max-age=\d+, immutable$/);
    expect(Buffer.from(await response.arrayBuffer()).equals(image)).toBe(true);

    // Synapse serves no ranges; Mirage does, so a player can seek.
    const part = await fetch(`${mirage.apiUrl}${mediaPath(mxc)}`, { headers: { range: 'bytes=100-199' }, signal: AbortSignal.timeout(30_000) });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${image.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(image.subarray(100, 200))).toBe(true);
  });

  it('serves an uploaded SVG only as an attachment', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    const { content_uri: mxc } = await client.uploadContent(svg, { type: 'image/svg+xml', name: 'x.svg' });
    const response = await fetch(`${mirage.apiUrl}${mediaPath(mxc)}`, { signal: AbortSignal.timeout(30_000) });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(response.headers.get('content-disposition')).toBe('attachment');
    expect(Buffer.from(await response.arrayBuffer()).equals(svg)).toBe(true);
  });

  it('answers an unknown media id with 404 in Mirage\'s error shape', async () => {
    const response = await fetch(`${mirage.apiUrl}/media/${encodeURIComponent(synapse.serverName)}/NoSuchMedia${randomBytes(6).toString('hex')}`, {
      signal: AbortSignal.timeout(30_000),
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'No such media.' } });
  });

  it('keeps the appservice token out of its logs', async () => {
    const { asToken } = await injectedRegistration();
    expect(mirage.output.length).toBeGreaterThan(0);
    expect(mirage.output.join('\n')).not.toContain(asToken);
  });
});
