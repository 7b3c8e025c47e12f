import { readFileSync, renameSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { TwinError } from '../core/index.js';
import type { ReadyInfo } from '../runtime/index.js';

export function writeReadyFile(file: string, info: ReadyInfo): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(info, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, file);
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
