import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when the lock was left behind by a process on this host that no longer runs. */
async function isStale(lockDir: string): Promise<boolean> {
  try {
    const [host, pid] = (await readFile(join(lockDir, 'owner'), 'utf8')).trim().split(' ');
    return host === hostname() && pid !== undefined && !isAlive(Number(pid));
  } catch {
    // No owner file: normal for a moment after mkdir, stale if it stays that way.
    try {
      return Date.now() - (await stat(lockDir)).mtimeMs > 60_000;
    } catch {
      return false;
    }
  }
}

/**
 * Runs `fn` while holding an exclusive lock across processes: `mkdir` is atomic, so the
 * first process to create `lockDir` wins; the others wait. A lock whose owner died is taken over.
 */
export async function withDirLock<T>(lockDir: string, fn: () => Promise<T>, timeoutMs = 15 * 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await mkdir(lockDir);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (await isStale(lockDir)) {
        await rm(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for lock ${lockDir}`);
      await sleep(500);
    }
  }
  try {
    await writeFile(join(lockDir, 'owner'), `${hostname()} ${process.pid}\n`);
    return await fn();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}
