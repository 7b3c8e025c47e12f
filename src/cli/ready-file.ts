import { readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { TwinError } from '../core/index.js';
import type { ReadyInfo } from '../runtime/index.js';
import { DEFAULT_STATE_DIR } from './defaults.js';

// Written by `trustline up` (actions/up.ts), 0600.

/**
 * How to start the twin that writes `file`: `trustline up` writes `<state>/ready.json` (`.trustline/ready.json` by
 * default), so another ready file is named on both command lines.
 */
export function startHint(file: string): string {
  const own = resolve(file) === resolve(DEFAULT_STATE_DIR, 'ready.json') ? '' : ` --ready-file ${file}`;
  return `start one in another shell with \`npx trustline up [DIR …]${own}\` (it writes the ready file once every listener is up, and removes it when it stops)`;
}

/**
 * The ready file of the running twin. Not a usage error when it is missing (exit 1, not 2): the command line is right,
 * the twin is not running (ERR_TWIN_NOT_RUNNING); a file that is not a ready file is ERR_TWIN_READY_FILE (exit 1).
 */
export function readReadyFile(file: string): ReadyInfo {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new TwinError('ERR_TWIN_NOT_RUNNING', `no twin is running at the ready file ${file} (there is no such file): ${startHint(file)}, or give --ready-file the file a running twin wrote`);
    }
    throw new TwinError('ERR_TWIN_READY_FILE', `cannot read the ready file ${file}: ${(e as Error).message}`);
  }
  let ready: unknown;
  try {
    ready = JSON.parse(text);
  } catch (e) {
    throw new TwinError('ERR_TWIN_READY_FILE', `${file} is not a ready file of \`trustline up\` (not JSON: ${(e as Error).message})`);
  }
  if (!ready || typeof ready !== 'object' || Array.isArray(ready)) {
    throw new TwinError('ERR_TWIN_READY_FILE', `${file} is not a ready file of \`trustline up\` (not a JSON object)`);
  }
  return ready as ReadyInfo;
}

export function removeReadyFile(file: string): void {
  rmSync(file, { force: true });
}
