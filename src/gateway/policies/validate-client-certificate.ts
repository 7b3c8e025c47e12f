import type { X509Certificate } from 'node:crypto';
import { buildChain, issuedBy, NO_TRUST, revocationStatus, thumbprintOf } from '../client-certificates.js';
import { readCertificate } from '../client-certificates.js';
import { PolicyError } from '../pipeline/errors.js';
import type { RequestRun } from '../pipeline/request-run.js';
import type { PolicyNode } from '../policy/xml.js';
import type { CompileContext, PolicyDefinition } from './types.js';
import { literalBool, onlyChildren } from './util.js';

/**
 * validate-client-certificate (inbound; docs/behaviour/apim.md §2): the certificate the client presented
 * (`context.Request.Certificate`, there when the service negotiates one) must pass every check the attributes turn on
 * (`validate-revocation`, `validate-trust`, `validate-not-before`, `validate-not-after`, all default true; no
 * expressions) and, when `<identities>` is given, match every claim of at least one `<identity>` [doc: the policy
 * page]. A failure goes to on-error with 401 `{ "statusCode": 401, "message": "Invalid client certificate" }`, LastError
 * source `validate-client-certificate` — the reasons ClientCertificateIdentityNotMatched ("Certificate does not match any
 * of allowed identities."), ClientCertificateNotTrusted ("A certificate chain could not be built to a trusted root
 * authority.") and ClientCertificateExpired are observed on Azure (a published walkthrough's responses); the other
 * reasons and messages are the twin's, worded as Windows' chain engine words them (docs/differences.md).
 * `ignore-error="true"`: a failure is noted and the pipeline goes on.
 *
 * Trust: the service's CA certificates (`certificates` property: `Root` anchors, `CertificateAuthority` intermediates)
 * and the twin's local CA. Revocation: the twin is offline; see compat flag `clientCertificateRevocation`.
 */

const IDENTITY_ATTRS = ['thumbprint', 'serial-number', 'common-name', 'subject', 'dns-name', 'issuer-subject', 'issuer-thumbprint', 'issuer-certificate-id'] as const;
type IdentityAttr = typeof IDENTITY_ATTRS[number];
type Identity = Partial<Record<IdentityAttr, string>>;

export const INVALID_CLIENT_CERTIFICATE = 'Invalid client certificate';

/** Reasons and messages (LastError.Reason / Message). */
export const CLIENT_CERTIFICATE_FAILURES = {
  missing: { reason: 'ClientCertificateMissing', message: 'Client certificate is missing.' },
  notYetValid: { reason: 'ClientCertificateNotYetValid', message: 'A required certificate is not within its validity period when verifying against the current system clock or the timestamp in the signed file.' },
  expired: { reason: 'ClientCertificateExpired', message: 'A required certificate is not within its validity period when verifying against the current system clock or the timestamp in the signed file.' },
  notTrusted: { reason: 'ClientCertificateNotTrusted', message: 'A certificate chain could not be built to a trusted root authority.' },
  revocationUnknown: { reason: 'ClientCertificateRevocationUnknown', message: 'The revocation function was unable to check revocation for the certificate.' },
  revocationOffline: { reason: 'ClientCertificateRevocationUnknown', message: 'The revocation function was unable to check revocation because the revocation server was offline.' },
  identityNotMatched: { reason: 'ClientCertificateIdentityNotMatched', message: 'Certificate does not match any of allowed identities.' },
} as const;

type Failure = typeof CLIENT_CERTIFICATE_FAILURES[keyof typeof CLIENT_CERTIFICATE_FAILURES];

/** Short names of distinguished-name attributes as Windows writes them (CertNameToStr), for comparison. */
const DN_ALIASES: Record<string, string> = { S: 'ST', E: 'EMAILADDRESS', EMAIL: 'EMAILADDRESS', STREET: 'STREET', SN: 'SERIALNUMBER' };

/**
 * A distinguished name as `key=value` pairs: `C=US, O="Contoso, Inc.", CN=x` (a policy attribute: comma-separated,
 * double quotes around a value holding a comma) or Node's one RDN per line with `\,` escapes. Keys upper-cased.
 */
export function parseDistinguishedName(text: string, nodeForm = false): Array<[string, string]> {
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && i + 1 < text.length) { cur += text[++i]; continue; }
    if (ch === '"') { quoted = !quoted; continue; }
    if (!quoted && (nodeForm ? ch === '\n' : ch === ',')) { parts.push(cur); cur = ''; continue; }
    cur += ch;
  }
  parts.push(cur);
  return parts.map((p) => p.trim()).filter(Boolean).map((p) => {
    const eq = p.indexOf('=');
    const key = (eq < 0 ? '' : p.slice(0, eq)).trim().toUpperCase();
    return [DN_ALIASES[key] ?? key, (eq < 0 ? p : p.slice(eq + 1)).trim()] as [string, string];
  });
}

/** Same attributes with the same values, in any order (values compared case-insensitively). */
function sameName(a: Array<[string, string]>, b: Array<[string, string]>): boolean {
  if (a.length !== b.length) return false;
  const key = ([k, v]: [string, string]) => `${k}=${v.toLowerCase()}`;
  const left = a.map(key).sort();
  const right = b.map(key).sort();
  return left.every((x, i) => x === right[i]);
}

const hex = (s: string) => s.replace(/[^0-9a-f]/gi, '').toUpperCase();
const serial = (s: string) => hex(s).replace(/^0+(?=.)/, '');
const commonName = (name: string) => parseDistinguishedName(name, true).find(([k]) => k === 'CN')?.[1];
const dnsNames = (c: X509Certificate) => (c.subjectAltName ?? '').split(', ').filter((x) => x.startsWith('DNS:')).map((x) => x.slice(4).toLowerCase());

function compileIdentity(cc: CompileContext, node: PolicyNode): Identity {
  const id: Identity = {};
  for (const [name, value] of Object.entries(node.attrs)) {
    if (!(IDENTITY_ATTRS as readonly string[]).includes(name)) {
      cc.problem('ERR_APIM_POLICY_ATTRIBUTE', node, `<identity> has no attribute '${name}' (allowed: ${IDENTITY_ATTRS.join(', ')})`);
      continue;
    }
    if (value.trim().startsWith('@')) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, `<identity> attribute '${name}' does not take a policy expression`);
    id[name as IdentityAttr] = value;
  }
  if (id['issuer-certificate-id'] !== undefined && (id['issuer-subject'] !== undefined || id['issuer-thumbprint'] !== undefined)) {
    throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, "<identity>: 'issuer-certificate-id' cannot be combined with 'issuer-subject' or 'issuer-thumbprint'");
  }
  if (Object.keys(id).length === 0) cc.problem('ERR_APIM_POLICY_ATTRIBUTE', node, '<identity> names no claim (an identity without attributes would match every certificate)');
  return id;
}

/** Every claim of the identity holds for the certificate and its chain. */
function matches(rc: RequestRun, id: Identity, cert: X509Certificate, chain: readonly X509Certificate[]): boolean {
  const issuer = chain[1];
  for (const attr of Object.keys(id) as IdentityAttr[]) {
    const want = id[attr]!;
    switch (attr) {
      case 'thumbprint': if (hex(want) !== thumbprintOf(cert)) return false; break;
      case 'serial-number': if (serial(want) !== serial(cert.serialNumber)) return false; break;
      case 'common-name': if ((commonName(cert.subject) ?? '').toLowerCase() !== want.trim().toLowerCase()) return false; break;
      case 'subject': if (!sameName(parseDistinguishedName(want), parseDistinguishedName(cert.subject, true))) return false; break;
      case 'dns-name': if (!dnsNames(cert).includes(want.trim().toLowerCase())) return false; break;
      case 'issuer-subject': if (!sameName(parseDistinguishedName(want), parseDistinguishedName(cert.issuer, true))) return false; break;
      case 'issuer-thumbprint': if (!issuer || hex(want) !== thumbprintOf(issuer)) return false; break;
      case 'issuer-certificate-id': {
        const entity = rc.services.certificates?.get(want.toLowerCase());
        const der = entity?.der;
        if (!der) {
          rc.services.logger.warn(`validate-client-certificate: issuer-certificate-id '${want}' names no certificate of the service`, { requestId: rc.requestId });
          return false;
        }
        if (!issuedBy(cert, readCertificate(der, `certificate '${want}'`))) return false;
        break;
      }
    }
  }
  return true;
}

/** The first check the certificate fails, or undefined. */
function check(rc: RequestRun, o: { revocation: boolean; trust: boolean; notBefore: boolean; notAfter: boolean; identities: Identity[] }): Failure | undefined {
  const F = CLIENT_CERTIFICATE_FAILURES;
  const cert = rc.requestCertificate();
  if (!cert) return F.missing;
  const now = rc.clock.now();
  if (o.notBefore && now < Date.parse(cert.validFrom)) return F.notYetValid;
  if (o.notAfter && now > Date.parse(cert.validTo)) return F.expired;
  const built = buildChain(cert, rc.services.trust ?? NO_TRUST, rc.requestIntermediates());
  const { trusted, chain } = built;
  if (o.trust && !trusted) return F.notTrusted;
  if (o.revocation) {
    // Windows checks every certificate but the root; one without a CRL/OCSP source has an unknown status.
    const status = revocationStatus(built, rc.services.flags.clientCertificateRevocation);
    if (status === 'unknown') return F.revocationUnknown;
    if (status === 'offline') return F.revocationOffline;
  }
  if (o.identities.length > 0 && !o.identities.some((id) => matches(rc, id, cert, chain))) return F.identityNotMatched;
  return undefined;
}

export const validateClientCertificate: PolicyDefinition = {
  sections: ['inbound'],
  attributes: ['validate-revocation', 'validate-trust', 'validate-not-before', 'validate-not-after', 'ignore-error'],
  compile(node, cc, base) {
    const options = {
      revocation: literalBool(cc, node, 'validate-revocation', true),
      trust: literalBool(cc, node, 'validate-trust', true),
      notBefore: literalBool(cc, node, 'validate-not-before', true),
      notAfter: literalBool(cc, node, 'validate-not-after', true),
      identities: [] as Identity[],
    };
    const ignoreError = literalBool(cc, node, 'ignore-error', false);
    onlyChildren(cc, node, ['identities']);
    for (const list of node.children.filter((c) => c.name === 'identities')) {
      onlyChildren(cc, list, ['identity']);
      for (const c of list.children.filter((x) => x.name === 'identity')) options.identities.push(compileIdentity(cc, c));
    }
    return {
      ...base,
      run(rc) {
        const failure = check(rc, options);
        const cert = rc.requestCertificate();
        if (!failure) {
          rc.note(`client certificate ${cert ? thumbprintOf(cert) : ''} accepted`);
          return;
        }
        if (ignoreError) {
          rc.note(`${failure.reason}: ${failure.message} (ignore-error="true": going on)`);
          return;
        }
        throw new PolicyError({ source: 'validate-client-certificate', reason: failure.reason, message: failure.message, statusCode: 401, responseMessage: INVALID_CLIENT_CERTIFICATE });
      },
    };
  },
};
