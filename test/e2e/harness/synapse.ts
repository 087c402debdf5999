/**
 * A real Synapse for the end-to-end suite.
 *
 * By default a pinned Synapse is installed with pip into a virtualenv cached outside the
 * repository, `${MIRAGE_CACHE_DIR:-~/.cache/mirage}/synapse-<version>`, and started on a free
 * 127.0.0.1 port with a throwaway sqlite database.
 *
 * To use a homeserver that is already running instead, set:
 *   MIRAGE_TEST_SYNAPSE_URL            its client-server base URL, e.g. http://127.0.0.1:8008
 *   MIRAGE_TEST_SYNAPSE_SHARED_SECRET  its `registration_shared_secret`
 *   MIRAGE_TEST_SYNAPSE_SERVER_NAME    its `server_name` (default: localhost)
 *   MIRAGE_TEST_REGISTRATION           the appservice registration file it has already loaded
 *                                      (`app_service_config_files`); loading it is the caller's job.
 *
 * Other knobs: MIRAGE_TEST_PYTHON is the interpreter that creates the virtualenv (default python3;
 * Synapse needs >= 3.10). MIRAGE_TEST_KEEP=1 keeps a started homeserver's data directory.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import {
  type HomeserverPaths,
  homeserverConfig,
  homeserverPaths,
  logConfig,
  signingKeyFile,
} from './homeserverConfig.js';
import { freePort } from './ports.js';
import { withDirLock } from './withDirLock.js';

export const SYNAPSE_VERSION = '1.163.2';

/** What a test needs to talk to a homeserver as a client and as its admin. */
export interface SynapseEndpoint {
  /** Client-server API base URL, without a trailing slash. */
  url: string;
  serverName: string;
  /** `registration_shared_secret`, for creating users with the admin API. */
  sharedSecret: string;
}

/** A homeserver for the suite; the file paths are undefined for an external one. */
export interface RunningSynapse extends SynapseEndpoint {
  dataDir: string | undefined;
  dbPath: string | undefined;
  logPath: string | undefined;
  /** Stops a homeserver started here (SIGTERM, then SIGKILL); a no-op for an external one. */
  stop(): Promise<void>;
}

export interface StartSynapseOptions {
  /** Appservice registration files for `app_service_config_files`. */
  registrationPaths: readonly string[];
  /** Default: localhost. */
  serverName?: string;
  /** Where config, database, media and logs go; default: a new temp dir, removed on stop. */
  dataDir?: string;
  /** A virtualenv with Synapse; default: {@link ensureSynapse}. */
  venvDir?: string;
  startTimeoutMs?: number;
}

const execFileAsync = promisify(execFile);

export function mirageCacheDir(): string {
  return process.env.MIRAGE_CACHE_DIR ?? join(homedir(), '.cache', 'mirage');
}

export function synapseVenvDir(): string {
  return join(mirageCacheDir(), `synapse-${SYNAPSE_VERSION}`);
}

async function hasSynapse(python: string, module: string): Promise<boolean> {
  const check = `import sys, synapse, ${module}; sys.exit(0 if synapse.__version__ == '${SYNAPSE_VERSION}' else 3)`;
  try {
    await execFileAsync(python, ['-c', check], { timeout: 60_000 });
    return true;
  } catch {
    return false;
  }
}

async function runLogged(command: string, args: string[], logPath: string): Promise<void> {
  const fd = openSync(logPath, 'a');
  try {
    const child = spawn(command, args, { stdio: ['ignore', fd, fd] });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', resolve);
    });
    if (code !== 0) {
      throw new Error(`${command} ${args.join(' ')} exited with ${code}\n${await tail(logPath, 30)}`);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Makes sure the pinned Synapse is installed in its cached virtualenv and returns that directory.
 * Safe to call from concurrent runs: installs happen under a lock, and a virtualenv counts as
 * installed only once a marker is written after pip succeeded.
 */
export async function ensureSynapse(): Promise<string> {
  const venv = synapseVenvDir();
  const python = join(venv, 'bin', 'python');
  const marker = join(venv, '.mirage-installed');
  if (existsSync(marker) && (await hasSynapse(python, 'synapse'))) return venv;

  await mkdir(mirageCacheDir(), { recursive: true });
  await withDirLock(`${venv}.lock`, async () => {
    if (await hasSynapse(python, 'synapse.app.homeserver')) {
      await writeFile(marker, `${SYNAPSE_VERSION}\n`);
      return;
    }
    const installLog = `${venv}.install.log`;
    await writeFile(installLog, '');
    await rm(venv, { recursive: true, force: true });
    await runLogged(process.env.MIRAGE_TEST_PYTHON ?? 'python3', ['-m', 'venv', venv], installLog);
    // `python -m pip`, not bin/pip: a deep cache path can exceed the kernel's shebang length limit.
    await runLogged(
      python,
      ['-m', 'pip', 'install', '--disable-pip-version-check', `matrix-synapse==${SYNAPSE_VERSION}`],
      installLog,
    );
    if (!(await hasSynapse(python, 'synapse.app.homeserver'))) {
      throw new Error(`Synapse ${SYNAPSE_VERSION} does not import after install; see ${installLog}`);
    }
    await writeFile(marker, `${SYNAPSE_VERSION}\n`);
  });
  return venv;
}

/** The homeserver named by MIRAGE_TEST_SYNAPSE_URL, if any. */
export function externalSynapse(): RunningSynapse | undefined {
  const url = process.env.MIRAGE_TEST_SYNAPSE_URL;
  if (url === undefined || url === '') return undefined;
  const sharedSecret = process.env.MIRAGE_TEST_SYNAPSE_SHARED_SECRET;
  if (sharedSecret === undefined || sharedSecret === '') {
    throw new Error('MIRAGE_TEST_SYNAPSE_URL is set but MIRAGE_TEST_SYNAPSE_SHARED_SECRET is not');
  }
  return {
    url: url.replace(/\/+$/, ''),
    serverName: process.env.MIRAGE_TEST_SYNAPSE_SERVER_NAME ?? 'localhost',
    sharedSecret,
    dataDir: undefined,
    dbPath: undefined,
    logPath: undefined,
    stop: async () => {},
  };
}

async function tail(path: string, lines: number): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return `(no ${path})`;
  }
}

async function answersVersions(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/_matrix/client/versions`, { signal: AbortSignal.timeout(1_000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * Runs before Synapse in the child: asks Linux to SIGTERM it when this process dies (PR_SET_DEATHSIG
 * survives exec), so a crashed or killed test run leaves no homeserver behind; then execs Synapse.
 */
const deathSignalShim = [
  'import ctypes, os, signal, sys',
  'try: ctypes.CDLL(None).prctl(1, signal.SIGTERM)',
  'except Exception: pass',
  'if os.getppid() != int(sys.argv[1]): sys.exit(1)',
  "os.execv(sys.executable, [sys.executable, '-m', 'synapse.app.homeserver'] + sys.argv[2:])",
].join('\n');

class PortTaken extends Error {}

function keepData(): boolean {
  return process.env.MIRAGE_TEST_KEEP === '1';
}

async function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

interface Launched {
  child: ChildProcess;
  exited: Promise<void>;
}

interface LaunchOptions {
  python: string;
  paths: HomeserverPaths;
  url: string;
  timeoutMs: number;
}

async function launch({ python, paths, url, timeoutMs }: LaunchOptions): Promise<Launched> {
  const { stdioPath, logPath } = paths;
  const fd = openSync(stdioPath, 'a');
  const child = spawn(python, ['-c', deathSignalShim, String(process.pid), '-c', paths.configPath], {
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  let exitedWith: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitedWith = signal ?? `code ${code}`;
      resolve();
    });
    child.once('error', (error) => {
      exitedWith = error.message;
      resolve();
    });
  });

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exitedWith !== undefined) {
      const details = `${await tail(stdioPath, 20)}\n--- ${logPath}\n${await tail(logPath, 40)}`;
      if (details.includes('Address already in use')) throw new PortTaken(details);
      throw new Error(`Synapse exited during start (${exitedWith}):\n${details}`);
    }
    if (await answersVersions(url)) return { child, exited };
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`Synapse did not answer ${url} within ${timeoutMs} ms:\n${await tail(logPath, 40)}`);
    }
    await sleep(100);
  }
}

/** Starts a throwaway Synapse on 127.0.0.1 (or returns the external one, see the top of this file). */
export async function startSynapse(options: StartSynapseOptions): Promise<RunningSynapse> {
  const external = externalSynapse();
  if (external !== undefined) return external;

  const venv = options.venvDir ?? (await ensureSynapse());
  const python = join(venv, 'bin', 'python');
  const serverName = options.serverName ?? 'localhost';
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'mirage-synapse-')));
  const paths = homeserverPaths(dataDir);
  await mkdir(paths.mediaStorePath, { recursive: true });
  await writeFile(paths.signingKeyPath, signingKeyFile(), { mode: 0o600 });
  await writeFile(paths.logConfigPath, stringify(logConfig(paths.logPath)));
  const sharedSecret = randomBytes(32).toString('hex');

  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const { registrationPaths } = options;
    const config = homeserverConfig({ paths, serverName, port, sharedSecret, registrationPaths });
    await writeFile(paths.configPath, stringify(config), { mode: 0o600 });
    // Fresh logs per attempt, so a retry is judged by its own output.
    await writeFile(paths.stdioPath, '');
    await writeFile(paths.logPath, '');
    let launched: Launched;
    try {
      launched = await launch({ python, paths, url, timeoutMs: options.startTimeoutMs ?? 60_000 });
    } catch (error) {
      // The free port can be taken between probing and Synapse binding it: try another one.
      if (error instanceof PortTaken && attempt < 3) continue;
      if (ownsDataDir && !keepData()) await rm(dataDir, { recursive: true, force: true });
      throw error;
    }

    const { child, exited } = launched;
    const killOnExit = (): void => {
      child.kill('SIGKILL');
    };
    process.once('exit', killOnExit);
    return {
      url,
      serverName,
      sharedSecret,
      dataDir,
      dbPath: paths.dbPath,
      logPath: paths.logPath,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          if (!(await settlesWithin(exited, 5_000))) {
            child.kill('SIGKILL');
            await exited;
          }
        }
        process.off('exit', killOnExit);
        if (ownsDataDir && !keepData()) await rm(dataDir, { recursive: true, force: true });
      },
    };
  }
}
