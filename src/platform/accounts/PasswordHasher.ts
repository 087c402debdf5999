import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

/** Hashes and verifies passwords; both run off the event loop. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, stored: string): Promise<boolean>;
}

const scryptAsync = (password: string, salt: Buffer, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scrypt(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))));

/**
 * scrypt at OWASP's parameters (N=2^17, r=8, p=1). node:crypto runs it on the libuv thread
 * pool, so hashing never blocks the event loop. Stored as `scrypt$N$r$p$salt$hash`.
 */
export class ScryptPasswordHasher implements PasswordHasher {
  constructor(private readonly params: { N: number; r: number; p: number } = { N: 2 ** 17, r: 8, p: 1 }) {}

  async hash(password: string): Promise<string> {
    const salt = randomBytes(16);
    const key = await scryptAsync(password.normalize("NFKC"), salt, 32, this.options(this.params));
    const { N, r, p } = this.params;
    return ["scrypt", N, r, p, salt.toString("base64url"), key.toString("base64url")].join("$");
  }

  async verify(password: string, stored: string): Promise<boolean> {
    const [scheme, n, r, p, salt, hash] = stored.split("$");
    if (scheme !== "scrypt" || !salt || !hash) return false;
    const params = { N: Number(n), r: Number(r), p: Number(p) };
    const expected = Buffer.from(hash, "base64url");
    const key = await scryptAsync(password.normalize("NFKC"), Buffer.from(salt, "base64url"), expected.length, this.options(params));
    return key.length === expected.length && timingSafeEqual(key, expected);
  }

  private options(params: { N: number; r: number; p: number }): ScryptOptions {
    return { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  }
}
