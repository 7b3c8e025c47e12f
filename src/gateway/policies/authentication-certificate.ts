import { isTwinError } from '../../core/index.js';
import { PolicyError } from '../pipeline/errors.js';
import { readPfx, type ClientCertificate } from '../pfx.js';
import type { RequestRun } from '../pipeline/request-run.js';
import type { PolicyNode } from '../policy/xml.js';
import type { CompileContext, PolicyDefinition } from './types.js';
import { optional, str } from './util.js';

/** Certificates opened from a `body` expression, by content (bounded: the same bundle is opened once). */
const opened = new Map<string, ClientCertificate>();
const MAX_OPENED = 100;

/** The compiled attributes of an `<authentication-certificate>`: the certificate of one request. */
export function compileCertificateSource(node: PolicyNode, cc: CompileContext): (rc: RequestRun) => ClientCertificate {
  const thumbprint = optional(cc, node, 'thumbprint');
  const certificateId = optional(cc, node, 'certificate-id');
  const body = optional(cc, node, 'body');
  const password = optional(cc, node, 'password');
  if ([thumbprint, certificateId, body].filter(Boolean).length !== 1) {
    throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, '<authentication-certificate> needs exactly one of thumbprint, certificate-id, body');
  }
  if (password && !body) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, '<authentication-certificate> password goes with body only');
  if (node.children.length) cc.problem('ERR_APIM_POLICY_UNKNOWN_ELEMENT', node.children[0]!, '<authentication-certificate> has no child elements');
  const fail = (message: string) => new PolicyError({ source: 'authentication-certificate', reason: 'CertificateNotFound', message });
  return (rc) => {
    if (body) {
      const v = body.get(rc);
      const bytes = v instanceof Uint8Array ? Buffer.from(v) : Array.isArray(v) ? Buffer.from(v as number[]) : Buffer.from(str(v), 'base64');
      const pass = password ? str(password.get(rc)) : undefined;
      const key = `${bytes.toString('base64')}|${pass ?? ''}`;
      let cert = opened.get(key);
      if (!cert) {
        try { cert = readPfx(bytes, pass); } catch (e) { throw fail(isTwinError(e) ? e.message : String(e)); }
        if (opened.size >= MAX_OPENED) opened.delete(opened.keys().next().value!);
        opened.set(key, cert);
      }
      return cert;
    }
    const want = str((thumbprint ?? certificateId)!.get(rc)).trim().toLowerCase();
    const cert = rc.services.certificates?.get(want);
    if (!cert) throw fail(`The service has no certificate with ${thumbprint ? 'thumbprint' : 'id'} '${want}'.`);
    if (cert.publicOnly) throw fail(`The certificate '${want}' was uploaded without its private key: it cannot be presented.`);
    return cert;
  };
}

/**
 * authentication-certificate (docs/behaviour/apim.md §2): the backend call presents a TLS client certificate, named by
 * `thumbprint` or `certificate-id` (a `certificates` resource of the service, opened at deploy time) or given as
 * `body` (the PKCS#12 bytes, an expression) with `password`. A certificate the service does not have, or a body that
 * does not open, fails the request (500, LastError source authentication-certificate). Inside send-request it applies
 * to that call only.
 */
export const authenticationCertificate: PolicyDefinition = {
  sections: ['inbound'],
  attributes: ['thumbprint', 'certificate-id', 'body', 'password'],
  compile(node, cc, base) {
    const certificate = compileCertificateSource(node, cc);
    return {
      ...base,
      run(rc: RequestRun) {
        const cert = certificate(rc);
        rc.clientCertificate = cert;
        rc.note(`client certificate ${cert.thumbprint} (${cert.subject})`);
      },
    };
  },
};
