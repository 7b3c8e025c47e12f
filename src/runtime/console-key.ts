import { existsSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from '../core/index.js';
import { tightenPrivateFile, writePrivateFile } from '../state/index.js';

export const CONSOLE_KEY_FILE = 'console-key';
const WELL_FORMED = /^[A-Za-z0-9_-]{32}$/;

/**
 * The console link's secret (docs/security.md, the web console): 24 crypto-random bytes, base64url, kept in
 * `<state>/console-key` (0600, like cli-credential.json) so that a restart on the same state folder gives the same
 * link and the same ready file; a missing or malformed file gets a new key.
 */
export function consoleKeyOf(stateDir: string, logger: Logger): string {
  const file = join(stateDir, CONSOLE_KEY_FILE);
  if (existsSync(file)) {
    tightenPrivateFile(file, logger);
    const saved = readFileSync(file, 'utf8').trim();
    if (WELL_FORMED.test(saved)) return saved;
    logger.warn(`${file} does not hold a console key; a new one is made`);
  }
  const key = randomBytes(24).toString('base64url');
  writePrivateFile(file, key + '\n');
  return key;
}
