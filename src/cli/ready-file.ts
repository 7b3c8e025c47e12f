import { readFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { TwinError } from '../core/index.js';
import { writePrivateFile } from '../state/index.js';
import type { ReadyInfo } from '../runtime/index.js';

export function writeReadyFile(file: string, info: ReadyInfo): void {
  mkdirSync(dirname(file), { recursive: true });
  // 0600: the ready file carries the identity header (the MSI endpoint's shared secret).
  writePrivateFile(file, JSON.stringify(info, null, 2) + '\n');
}

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
