import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { IdGenerator, Logger } from '../core/index.js';
import type { IdentityService } from '../identity/index.js';

/** The credential file of the twin's own CLI principal (client credentials for the control plane). */
export interface CliCredential {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** The scope to ask for: ARM's audience. */
  scope: string;
}

export const CLI_CREDENTIAL_FILE = 'cli-credential.json';
const DISPLAY_NAME = 'Trustline CLI';

/**
 * The built-in service principal `trustline deploy`/`what-if` use against the control plane, as `az login
 * --service-principal` does against ARM: an app registration with a client secret, registered in the
 * twin's directory on every start. Its id and secret stay the same across restarts: they are kept in
 * `<state>/cli-credential.json` (0600; the secret is stored hashed in the directory).
 */
export function ensureCliPrincipal(o: { stateDir: string; tenantId: string; identity: IdentityService; ids: IdGenerator; logger: Logger }): { file: string; credential: CliCredential } {
  const file = join(o.stateDir, CLI_CREDENTIAL_FILE);
  let credential: CliCredential | undefined;
  if (existsSync(file)) {
    try {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as CliCredential;
      if (saved.tenantId === o.tenantId && typeof saved.clientId === 'string' && typeof saved.clientSecret === 'string') credential = saved;
    } catch {
      o.logger.warn(`${file} is not readable JSON; a new CLI credential is made`);
    }
  }
  if (!credential) {
    credential = { tenantId: o.tenantId, clientId: o.ids.uuid(), clientSecret: newClientSecret(), scope: 'https://management.azure.com/.default' };
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(credential, null, 2) + '\n', { mode: 0o600 });
    renameSync(tmp, file);
  }
  o.identity.applyDirectory({
    doc: { tenantId: o.tenantId, applications: [{ displayName: DISPLAY_NAME, appId: credential.clientId, passwordCredentials: [{ secretText: credential.clientSecret }] }] },
  });
  return { file, credential };
}

/**
 * A random client secret (240 bits, base64url) that does not begin with '-': command lines take a value beginning
 * with '-' for an option (`az login -p -abc…` fails "expected one argument"), so one start in 64 broke every tool
 * given the secret as a separate argument.
 */
function newClientSecret(): string {
  for (;;) {
    const secret = randomBytes(30).toString('base64url');
    if (!secret.startsWith('-')) return secret;
  }
}

