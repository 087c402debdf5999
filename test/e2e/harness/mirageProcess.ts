import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { freePort } from './ports.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export interface MirageOptions {
  /** Directory holding this instance's config and store; reuse it to restart with the same state. */
  dir: string;
  homeserverUrl: string;
  serverName: string;
  registrationPath: string;
  appservicePort: number;
  /** Reuse the API port across restarts; a free one by default. */
  apiPort?: number;
  /** Extra config, each section merged over the generated one (a list, such as `plugins`, replaces it). */
  extra?: Record<string, Record<string, unknown> | unknown[]>;
  /** `MIRAGE_*` settings for the process, as an operator would set them. */
  env?: Record<string, string>;
}

export interface HealthBody {
  status: 'ok' | 'degraded';
  homeserver: { reachable: boolean; ready: boolean; appservicePing: { ok: boolean; durationMs?: number; problem?: string } | null; problem: string | null };
  queues: { inbox: number; roomEvents: number; outbox: number; deadLetters: number };
  /** Each configured plugin: `running` or `disabled: <reason>`. */
  plugins: Record<string, string>;
}

/** A Mirage started as its own process, exactly as `mirage start` runs in production. */
export interface MirageProcess {
  apiUrl: string;
  apiPort: number;
  configPath: string;
  /** Everything the process wrote, stdout and stderr, as lines. */
  output: string[];
  health(): Promise<HealthBody>;
  waitForHealth(predicate: (h: HealthBody) => boolean, timeoutMs?: number): Promise<HealthBody>;
  /** Resolves with the first output line matching `pattern`, waiting for it to be written. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGTERM and wait for a clean exit. */
  stop(): Promise<number | null>;
  /** SIGKILL: no shutdown code runs. */
  kill(): Promise<void>;
}

/** The `operations.token` every test instance runs with, so tests read /health's details. */
export const OPERATIONS_TOKEN = `ops-${randomBytes(24).toString('hex')}`;

export async function startMirage(options: MirageOptions): Promise<MirageProcess> {
  const apiPort = options.apiPort ?? (await freePort());
  const configPath = join(options.dir, 'config.yaml');
  const config = {
    homeserver: { url: options.homeserverUrl, domain: options.serverName, retryMaxDelaySeconds: 2 },
    appservice: {
      registration: options.registrationPath,
      port: options.appservicePort,
      bindAddress: '127.0.0.1',
      url: `http://127.0.0.1:${options.appservicePort}`,
    },
    api: { port: apiPort, bindAddress: '127.0.0.1', publicUrl: `http://127.0.0.1:${apiPort}` },
    store: { path: join(options.dir, 'store') },
    logging: { level: 'debug' },
  } as Record<string, Record<string, unknown> | unknown[]>;
  for (const [section, values] of Object.entries(options.extra ?? {})) config[section] = Array.isArray(values) ? values : { ...config[section], ...values };
  await writeFile(configPath, stringify(config));

  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'start', '--config', configPath], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, MIRAGE_CONFIG: '', MIRAGE_OPERATIONS_TOKEN: OPERATIONS_TOKEN, ...options.env },
  });
  const output: string[] = [];
  // Kept beside the config for post-mortems (MIRAGE_TEST_KEEP=1 keeps the directory).
  const logFile = createWriteStream(join(options.dir, 'mirage.log'), { flags: 'a' });
  const collect = (chunk: Buffer) => {
    logFile.write(chunk);
    output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      logFile.end();
      resolve(code);
    }),
  );
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const health = async (): Promise<HealthBody> => {
    // The details (homeserver link, queues) are for the operations token only.
    const response = await fetch(`${apiUrl}/health`, {
      headers: { authorization: `Bearer ${OPERATIONS_TOKEN}` },
      signal: AbortSignal.timeout(5_000),
    });
    return (await response.json()) as HealthBody;
  };
  const waitForHealth = async (predicate: (h: HealthBody) => boolean, timeoutMs = 30_000): Promise<HealthBody> => {
    const deadline = Date.now() + timeoutMs;
    let last: HealthBody | undefined;
    let lastError: unknown;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`Mirage exited with ${child.exitCode}:\n${output.slice(-30).join('\n')}`);
      try {
        last = await health();
        if (predicate(last)) return last;
      } catch (error) {
        lastError = error;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(
      `Mirage health never matched; last ${JSON.stringify(last)} ${String(lastError ?? '')}\n${output.slice(-30).join('\n')}`,
    );
  };

  const waitForOutput = async (pattern: RegExp, timeoutMs = 30_000): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = output.find((l) => pattern.test(l));
      if (line !== undefined) return line;
      if (child.exitCode !== null) throw new Error(`Mirage exited with ${child.exitCode} before writing ${pattern}`);
      if (Date.now() > deadline) throw new Error(`Mirage never wrote ${pattern}:\n${output.slice(-30).join('\n')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  return {
    apiUrl,
    waitForOutput,
    apiPort,
    configPath,
    output,
    health,
    waitForHealth,
    async stop() {
      child.kill('SIGTERM');
      const code = await exited;
      process.removeListener('exit', killOnExit);
      return code;
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
      process.removeListener('exit', killOnExit);
    },
  };
}
