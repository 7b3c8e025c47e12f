import { createSecureContext, type SecureContext } from 'node:tls';
import { describeError, issueServerCertificate, type Logger, type PemPair } from '../core/index.js';

/** How many custom host names get a certificate of their own at most; the oldest is issued again when needed (docs/limits.md). */
export const MAX_CUSTOM_HOST_CERTIFICATES = 256;

/** node's `SNICallback`: a context for the name the client asked for, or none for the listener's own certificate. */
export type SniCallback = (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void) => void;

export interface CustomHostTls {
  /** The SNI callback of a listener that serves the custom host names `names()` lists (exact names and `*.` wildcards). */
  sniCallback(names: () => readonly string[]): SniCallback;
}

/** Whether `servername` is one of `names` or under one of its wildcards (one label, as a certificate's wildcard). */
export function servesName(names: readonly string[], servername: string): boolean {
  const h = servername.toLowerCase();
  const dot = h.indexOf('.');
  return names.some((n) => n === h || (dot > 0 && n === `*${h.slice(dot)}`));
}

/**
 * Certificates for the custom domains (site host name bindings, APIM `Proxy` host names): the twin's listeners carry
 * one certificate from the local CA for the Azure host names it plays (local-ca.ts); a client that calls a site or a
 * gateway by a custom domain asks for that name by SNI, and gets a certificate of the same local CA issued for it
 * (once, then kept) — where Azure presents the certificate the binding names (docs/differences.md). A name that is
 * not one of the listener's custom domains gets the listener's own certificate, as before.
 */
export function createCustomHostTls(ca: PemPair, logger: Logger): CustomHostTls {
  const contexts = new Map<string, Promise<SecureContext>>();
  const contextFor = (name: string): Promise<SecureContext> => {
    const kept = contexts.get(name);
    if (kept) return kept;
    if (contexts.size >= MAX_CUSTOM_HOST_CERTIFICATES) contexts.delete(contexts.keys().next().value!);
    const issued = issueServerCertificate(ca, { dns: [name] }).then((pem) => createSecureContext({ cert: pem.cert, key: pem.key }));
    contexts.set(name, issued);
    issued.catch(() => contexts.delete(name));
    return issued;
  };
  return {
    sniCallback: (names) => (servername, cb) => {
      const name = servername.toLowerCase();
      if (!servesName(names(), name)) return cb(null);
      contextFor(name).then(
        (ctx) => cb(null, ctx),
        (e: unknown) => {
          logger.warn(`no certificate for the custom domain ${name}: ${describeError(e)}; the listener's own certificate is served`);
          cb(null);
        },
      );
    },
  };
}
