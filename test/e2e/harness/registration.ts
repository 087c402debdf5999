import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';

/** The parts of an appservice registration file the tests use. */
export interface Registration {
  id: string;
  url: string;
  asToken: string;
  hsToken: string;
  senderLocalpart: string;
}

export async function readRegistration(path: string): Promise<Registration> {
  const raw = parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  const field = (key: string): string => {
    const value = raw[key];
    if (typeof value !== 'string') throw new Error(`${path}: registration field ${key} is missing`);
    return value;
  };
  return {
    id: field('id'),
    url: field('url'),
    asToken: field('as_token'),
    hsToken: field('hs_token'),
    senderLocalpart: field('sender_localpart'),
  };
}
