import { readFileSync, rmSync } from 'node:fs';
import { TwinError } from '../core/index.js';
import type { ReadyInfo } from '../runtime/index.js';

// Written by `trustline up` (actions/up.ts), 0600.

export function readReadyFile(file: string): ReadyInfo {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ReadyInfo;
  } catch (e) {
    throw new TwinError('ERR_CLI_READY_FILE', `cannot read the ready file ${file} (is \`trustline up\` running?): ${(e as Error).message}`);
  }
}

export function removeReadyFile(file: string): void {
  rmSync(file, { force: true });
}
