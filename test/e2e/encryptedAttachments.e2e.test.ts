import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { MatrixClient as BotSdkClient } from '@vector-im/matrix-bot-sdk';
import { describe, expect, it } from 'vitest';
import { downloadDecrypted, type EncryptedFile, uploadEncrypted } from '../../src/matrix/crypto/encryptedAttachments.js';
import { injectedRegistration, injectedSynapse } from './harness/context.js';
import { registerUser, uniqueLocalpart } from './harness/users.js';

const synapse = injectedSynapse();
const b64url = (b: Buffer) => b.toString('base64url');
const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');

/** A client's side of the spec: AES-256-CTR with a JWK key, 128-bit IV, SHA-256 of the ciphertext. */
function clientEncrypt(plain: Buffer): { ciphertext: Buffer; file: Omit<EncryptedFile, 'url'> } {
  const key = randomBytes(32);
  const iv = Buffer.concat([randomBytes(8), Buffer.alloc(8)]);
  const cipher = createCipheriv('aes-256-ctr', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
  return {
    ciphertext,
    file: {
      key: { kty: 'oct', key_ops: ['encrypt', 'decrypt'], alg: 'A256CTR', k: b64url(key), ext: true },
      iv: b64(iv),
      hashes: { sha256: b64(createHash('sha256').update(ciphertext).digest()) },
      v: 'v2',
    },
  };
}

function clientDecrypt(ciphertext: Buffer, file: EncryptedFile): Buffer {
  expect(b64(createHash('sha256').update(ciphertext).digest())).toBe(file.hashes.sha256);
  const decipher = createDecipheriv('aes-256-ctr', Buffer.from(file.key.k, 'base64url'), Buffer.from(file.iv, 'base64'));
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
}

async function media(url: string, token: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(url, { ...init, headers: { ...init.headers, authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return response;
}

describe('encrypted attachments through the real media repository', () => {
  it('Mirage uploads only ciphertext; a client downloads and decrypts it', async () => {
    const registration = await injectedRegistration();
    const bot = new BotSdkClient(synapse.url, registration.asToken);
    const plain = randomBytes(200_000);
    const file = await uploadEncrypted(bot, plain);
    expect(file).toMatchObject({ v: 'v2', key: { alg: 'A256CTR' } });

    const user = await registerUser(synapse, uniqueLocalpart('carol'));
    const [, serverAndId] = file.url.split('mxc://');
    const stored = Buffer.from(
      await (await media(`${synapse.url}/_matrix/client/v1/media/download/${serverAndId}`, user.accessToken)).arrayBuffer(),
    );
    expect(stored.equals(plain)).toBe(false);
    expect(clientDecrypt(stored, file).equals(plain)).toBe(true);
  });

  it('a client uploads an encrypted file; Mirage downloads and decrypts it, and rejects tampering', async () => {
    const user = await registerUser(synapse, uniqueLocalpart('dave'));
    const plain = Buffer.from(`a picture, honestly ${randomBytes(8).toString('hex')}`);
    const { ciphertext, file } = clientEncrypt(plain);
    const upload = await media(`${synapse.url}/_matrix/media/v3/upload`, user.accessToken, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: ciphertext,
    });
    const { content_uri: url } = (await upload.json()) as { content_uri: string };

    const registration = await injectedRegistration();
    const bot = new BotSdkClient(synapse.url, registration.asToken);
    expect((await downloadDecrypted(bot, { ...file, url })).equals(plain)).toBe(true);

    const wrongHash = { ...file, url, hashes: { sha256: b64(createHash('sha256').update('other').digest()) } };
    await expect(downloadDecrypted(bot, wrongHash)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(downloadDecrypted(bot, { ...file, url: 'https://example.org/x' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
