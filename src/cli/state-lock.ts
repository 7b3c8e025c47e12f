import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { TwinError, type Logger } from '../core/index.js';

/** The lock file of a state folder held by a running `trustline up`. */
export const LOCK_FILE = 'up.lock';

export interface StateLock {
  release(): void;
}

interface LockInfo {
  pid: number;
  startedAt: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}

function readLock(file: string): LockInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockInfo>;
    return typeof info.pid === 'number' ? { pid: info.pid, startedAt: String(info.startedAt ?? '?') } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the state folder for this process (`<state>/up.lock`, created exclusively), before anything in the folder
 * is read or written. A folder held by a live `trustline up` is refused (ERR_CLI_STATE_LOCKED) and left untouched;
 * a lock left by a process that is gone is taken over with a warning.
 */
export function lockStateFolder(stateDir: string, logger: Logger): StateLock {
  // Only created when missing: the folder of a running twin is left as it is.
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const file = join(stateDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, 'wx', 0o600);
    } catch (e) {
      if ((e as { code?: string }).code !== 'EEXIST') throw e;
      const holder = readLock(file);
      if (holder && holder.pid !== process.pid && alive(holder.pid)) {
        throw new TwinError(
          'ERR_CLI_STATE_LOCKED',
          `the state folder ${stateDir} is in use by another \`trustline up\` (pid ${holder.pid}, since ${holder.startedAt}); ` +
            'stop it first, or give this one its own folder (--state DIR)',
        );
      }
      logger.warn(`taking over the state folder ${stateDir}: its lock was left by a process that is gone (pid ${holder?.pid ?? '?'})`);
      rmSync(file, { force: true });
      continue;
    }
    writeSync(fd, JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() } satisfies LockInfo) + '\n');
    closeSync(fd);
    let released = false;
    return {
      release() {
        if (released) return;
        released = true;
        if (readLock(file)?.pid === process.pid) rmSync(file, { force: true });
      },
    };
  }
  throw new TwinError('ERR_CLI_STATE_LOCKED', `cannot take the lock ${file} (another process keeps creating it)`);
}
