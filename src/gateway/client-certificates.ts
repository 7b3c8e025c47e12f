import { X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { TwinError } from '../core/index.js';

/**
 * Client certificates at the gateway (docs/behaviour/apim.md §4.2, `context.Request.Certificate`): what the client
 * presented in the TLS handshake, and what `validate-client-certificate` trusts. APIM asks for a certificate only
 * when the service negotiates one (`hostnameConfigurations[].negotiateClientCertificate`, or the consumption tier's
 * `enableClientCertificate`); without it `context.Request.Certificate` is null.
 */

/** Certificate authorities a service trusts: its `certificates` property (`Root` / `CertificateAuthority` stores). */
export interface CertificateTrust {
  readonly roots: readonly X509Certificate[];
  readonly intermediates: readonly X509Certificate[];
}

export const NO_TRUST: CertificateTrust = Object.freeze({ roots: [], intermediates: [] });

/**
 * What the client presented on this request's TLS connection: its certificate (null on plain http or without one) and
 * the intermediates it sent after it (Windows' chain engine uses them, so does the twin; at most MAX_CHAIN). Read
 * through the detailed peer certificate only: once `getPeerX509Certificate()` has run, Node's detailed form no longer
 * links the sent intermediates.
 */
export function peerCertificates(req: IncomingMessage): { leaf: X509Certificate | null; intermediates: X509Certificate[] } {
  const socket = req.socket as Partial<TLSSocket> | undefined;
  if (!socket || typeof socket.getPeerCertificate !== 'function') return { leaf: null, intermediates: [] };
  type Detailed = { raw?: Buffer; issuerCertificate?: Detailed };
  const first = socket.getPeerCertificate(true) as Detailed | undefined;
  if (!first?.raw) return { leaf: null, intermediates: [] };
  const leaf = new X509Certificate(first.raw);
  const intermediates: X509Certificate[] = [];
  const seen = new Set<Detailed>([first]);
  for (let c = first.issuerCertificate; c && !seen.has(c) && c.raw && intermediates.length < MAX_CHAIN; c = c.issuerCertificate) {
    seen.add(c);
    try { intermediates.push(new X509Certificate(c.raw)); } catch { break; }
  }
  return { leaf, intermediates };
}

/** A certificate given as base64 DER (what ARM's `encodedCertificate` holds) or PEM. */
export function readCertificate(data: string | Buffer, what: string): X509Certificate {
  try {
    if (Buffer.isBuffer(data)) return new X509Certificate(data);
    const text = data.trim();
    return new X509Certificate(text.startsWith('-----BEGIN') ? text : Buffer.from(text.replace(/\s+/g, ''), 'base64'));
  } catch (e) {
    throw new TwinError('ERR_APIM_CERTIFICATE', `${what} is not an X.509 certificate (base64 DER or PEM expected): ${(e as Error).message}`);
  }
}

/**
 * The trust store of a service: its CA certificates (`storeName` `Root` anchors trust, `CertificateAuthority`
 * only helps build chains) plus the extra roots the runtime adds (the twin's local CA).
 */
export function buildTrust(
  caCertificates: ReadonlyArray<{ data: string; storeName?: string }>, extraRoots: readonly string[], where: string,
): CertificateTrust {
  if (caCertificates.length === 0 && extraRoots.length === 0) return NO_TRUST;
  const roots: X509Certificate[] = [];
  const intermediates: X509Certificate[] = [];
  caCertificates.forEach((c, i) => {
    const cert = readCertificate(c.data, `${where} certificates[${i}]`);
    ((c.storeName ?? 'Root').toLowerCase() === 'root' ? roots : intermediates).push(cert);
  });
  for (const pem of extraRoots) roots.push(readCertificate(pem, 'the twin\'s local CA certificate'));
  return { roots, intermediates };
}

/** `issuer` signed `cert` (names chain and the signature verifies with the issuer's key). */
export function issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/** Longest chain the twin builds (Windows' chain engine has no small limit; this bounds a hostile store). */
const MAX_CHAIN = 8;

export interface ChainResult {
  /** The chain ends at a trusted root. */
  trusted: boolean;
  /** Leaf first, then each issuer found (the root last when trusted). */
  chain: X509Certificate[];
}

/**
 * Build the leaf's chain through the presented and the service's intermediates up to one of the roots. A leaf that
 * is itself a root is trusted.
 */
export function buildChain(leaf: X509Certificate, trust: CertificateTrust, presented: readonly X509Certificate[] = []): ChainResult {
  const chain = [leaf];
  let current = leaf;
  const pool = [...presented, ...trust.intermediates];
  for (let i = 0; i < MAX_CHAIN; i++) {
    if (trust.roots.some((r) => r.raw.equals(current.raw))) return { trusted: true, chain };
    const root = trust.roots.find((r) => issuedBy(current, r));
    if (root) {
      chain.push(root);
      return { trusted: true, chain };
    }
    const next = pool.find((c) => issuedBy(current, c) && !chain.some((x) => x.raw.equals(c.raw)));
    if (!next) return { trusted: false, chain };
    chain.push(next);
    current = next;
  }
  return { trusted: false, chain };
}

/** The DER encoding of the OID 2.5.29.31 (CRL distribution points) as it stands in an extension. */
const CRL_DP_OID = Buffer.from([0x06, 0x03, 0x55, 0x1d, 0x1f]);

/** The certificate says where its revocation status is published (CRL distribution points or an OCSP responder). */
export function hasRevocationSource(cert: X509Certificate): boolean {
  return cert.raw.includes(CRL_DP_OID) || /(^|\n)OCSP - URI:/.test(cert.infoAccess ?? '');
}

/**
 * The revocation status the twin can give a chain (docs/differences.md, compat flag `clientCertificateRevocation`):
 * `unknown` when a certificate other than the trusted root names no CRL/OCSP source (Windows reports its status
 * unknown), else `offline` (the twin cannot fetch it) under `offline-fails`, else `good`.
 */
export function revocationStatus(result: ChainResult, mode: 'assume-good' | 'offline-fails'): 'good' | 'unknown' | 'offline' {
  const checked = result.trusted ? result.chain.slice(0, -1) : result.chain;
  if (checked.some((c) => !hasRevocationSource(c))) return 'unknown';
  return mode === 'offline-fails' ? 'offline' : 'good';
}

/** The SHA-1 thumbprint as APIM shows it (upper-case hex). */
export const thumbprintOf = (cert: X509Certificate): string => cert.fingerprint.replace(/:/g, '').toUpperCase();
