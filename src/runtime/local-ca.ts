import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCertificateAuthority, issueServerCertificate, type PemPair, type Logger } from '../core/index.js';
import { ensurePrivateDir, tightenPrivateFile, writePrivateFile } from '../state/index.js';

/** Every host name the twin plays, plus loopback. */
export const TWIN_DNS_NAMES = [
  'localhost',
  '*.azurewebsites.net',
  '*.scm.azurewebsites.net',
  '*.azure-api.net',
  'sts.windows.net',
  'login.microsoftonline.com',
  'login.windows.net',
  'management.azure.com',
];

export interface LocalTls {
  caFile: string;
  ca: PemPair;
  server: PemPair;
}

/**
 * The local CA: generated on first start into the state folder (`ca.pem`, `ca-key.pem`) and
 * reused afterwards, so that users trust it once (`NODE_EXTRA_CA_CERTS=<dir>/ca.pem`).
 * The server certificate is issued fresh at each start.
 */
export async function loadOrCreateLocalTls(dir: string, logger: Logger): Promise<LocalTls> {
  // Key files are 0600 in a 0700 folder (docs/security.md), also when they were left looser by an older version.
  ensurePrivateDir(dir, logger);
  const caFile = join(dir, 'ca.pem');
  const keyFile = join(dir, 'ca-key.pem');
  let ca: PemPair;
  if (existsSync(caFile) && existsSync(keyFile)) {
    tightenPrivateFile(keyFile, logger);
    tightenPrivateFile(caFile, logger);
    ca = { cert: readFileSync(caFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
  } else {
    ca = await createCertificateAuthority();
    writePrivateFile(keyFile, ca.key);
    writePrivateFile(caFile, ca.cert);
    logger.info(`created the local CA ${caFile}`);
  }
  const server = await issueServerCertificate(ca, { dns: TWIN_DNS_NAMES, ip: ['127.0.0.1', '::1'] });
  return { caFile, ca, server };
}
