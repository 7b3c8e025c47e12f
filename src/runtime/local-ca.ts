import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCertificateAuthority, issueServerCertificate, serverCertificateStillGood, type PemPair, type Logger } from '../core/index.js';
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
 * The server certificate is kept next to it and issued again only when it no longer fits.
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
  // The server certificate is kept too (`server.pem`, `server-key.pem`, 0600) and served again while it is
  // signed by this CA, names every host the twin plays and has 30 days left: a start with a persisted state
  // folder then generates no key at all (bench/RESULTS.md, start-up).
  const names = { dns: TWIN_DNS_NAMES, ip: ['127.0.0.1', '::1'] };
  const serverFile = join(dir, 'server.pem');
  const serverKeyFile = join(dir, 'server-key.pem');
  if (existsSync(serverFile) && existsSync(serverKeyFile)) {
    tightenPrivateFile(serverKeyFile, logger);
    tightenPrivateFile(serverFile, logger);
    const kept = { cert: readFileSync(serverFile, 'utf8'), key: readFileSync(serverKeyFile, 'utf8') };
    if (serverCertificateStillGood(kept, ca, names)) return { caFile, ca, server: kept };
  }
  const server = await issueServerCertificate(ca, names);
  writePrivateFile(serverKeyFile, server.key);
  writePrivateFile(serverFile, server.cert);
  return { caFile, ca, server };
}
