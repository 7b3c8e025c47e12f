// Distinct valid tokens of the twin, for the "every token new" runs: the claims of a token the twin issued, with a
// unique `uti`, re-signed with the twin's own signing key read from its state database (a persisted state folder).
import { createHash, createPrivateKey, sign, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/** The private key with thumbprint `kid` from the twin's key ring (meta `identity.keys`; older states: `identity.signingKey`). */
export function twinSigningKey(stateDir, kid) {
  const db = new Database(join(stateDir, 'state.db'), { readonly: true, fileMustExist: true });
  try {
    const get = (k) => db.prepare('SELECT value FROM meta WHERE key = ?').get(k)?.value;
    const ring = get('identity.keys');
    const entries = ring ? JSON.parse(ring).keys : [JSON.parse(get('identity.signingKey') ?? 'null')].filter(Boolean);
    const thumb = (cert) => createHash('sha1').update(new X509Certificate(cert).raw).digest('base64url');
    const e = entries.find((x) => thumb(x.cert) === kid) ?? entries.at(-1);
    if (!e) throw new Error('no signing key in the state database');
    return createPrivateKey(e.key);
  } finally {
    db.close();
  }
}

export function freshTokens(stateDir, template, n) {
  const [h, p] = template.split('.');
  const key = twinSigningKey(stateDir, JSON.parse(Buffer.from(h, 'base64url').toString('utf8')).kid);
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  const out = [];
  for (let i = 0; i < n; i++) {
    const input = `${h}.${Buffer.from(JSON.stringify({ ...claims, uti: `bench-${i}-${claims.uti ?? ''}` })).toString('base64url')}`;
    out.push(`${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`);
  }
  return out;
}
