import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { freePort } from './harness/ports.js';
import { readRegistration } from './harness/registration.js';
import { externalSynapse, startSynapse } from './harness/synapse.js';

declare module 'vitest' {
  export interface ProvidedContext {
    synapseUrl: string;
    serverName: string;
    sharedSecret: string;
    registrationPath: string;
    /** Port on 127.0.0.1 where the homeserver expects Mirage's appservice listener. */
    appservicePort: number;
    /** Scratch directory for the whole run. */
    workDir: string;
    /** Null when the homeserver is external. */
    synapseDbPath: string | null;
    synapseLogPath: string | null;
  }
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const execFileAsync = promisify(execFile);

async function generateRegistration(file: string, url: string, domain: string): Promise<void> {
  const cli = join(repoRoot, 'src', 'cli', 'main.ts');
  const args = ['--import', 'tsx', cli, 'generate-registration', '--url', url, '--domain', domain, '--file', file];
  try {
    await execFileAsync(process.execPath, args, { cwd: repoRoot, timeout: 60_000 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`mirage generate-registration failed: ${String(error)}\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

/** The registration and appservice port: the caller's for an external homeserver, fresh otherwise. */
async function prepareRegistration(
  workDir: string,
  serverName: string,
  external: boolean,
): Promise<{ path: string; port: number }> {
  if (external) {
    const path = process.env.MIRAGE_TEST_REGISTRATION;
    if (path === undefined || path === '') {
      throw new Error('MIRAGE_TEST_SYNAPSE_URL is set but MIRAGE_TEST_REGISTRATION is not');
    }
    const { url } = await readRegistration(path);
    return { path, port: Number(new URL(url).port) };
  }
  const port = await freePort();
  const path = join(workDir, 'registration.yaml');
  await generateRegistration(path, `http://127.0.0.1:${port}`, serverName);
  return { path, port };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const workDir = await mkdtemp(join(tmpdir(), 'mirage-e2e-'));
  const keep = process.env.MIRAGE_TEST_KEEP === '1';
  const external = externalSynapse();
  const serverName = external?.serverName ?? 'localhost';
  try {
    const registration = await prepareRegistration(workDir, serverName, external !== undefined);
    const synapse = await startSynapse({
      registrationPaths: [registration.path],
      serverName,
      dataDir: join(workDir, 'synapse'),
    });
    project.provide('synapseUrl', synapse.url);
    project.provide('serverName', synapse.serverName);
    project.provide('sharedSecret', synapse.sharedSecret);
    project.provide('registrationPath', registration.path);
    project.provide('appservicePort', registration.port);
    project.provide('workDir', workDir);
    project.provide('synapseDbPath', synapse.dbPath ?? null);
    project.provide('synapseLogPath', synapse.logPath ?? null);
    console.info(`e2e: Synapse at ${synapse.url} ready after ${Date.now() - started} ms (work dir ${workDir})`);

    return async () => {
      await synapse.stop();
      if (keep) console.info(`e2e: kept ${workDir}`);
      else await rm(workDir, { recursive: true, force: true });
    };
  } catch (error) {
    if (!keep) await rm(workDir, { recursive: true, force: true });
    throw error;
  }
}
