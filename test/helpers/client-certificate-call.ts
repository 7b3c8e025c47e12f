import { request } from 'node:https';

/**
 * GET `url` over https trusting `ca`, presenting the client certificate `cert` (PEM, with any intermediates after it)
 * and its `key` when given, on a connection of its own; resolves with the status, the body and the `x-reason` header
 * (the gateway's failure reason).
 */
export function getWithClientCertificate(url: string, tls: { ca: string; cert?: string; key?: string }): Promise<{ status: number; body: string; reason: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca: tls.ca, agent: false, ...(tls.cert ? { cert: tls.cert, key: tls.key } : {}) }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, reason: res.headers['x-reason'] as string | undefined }));
    });
    req.on('error', reject);
    req.end();
  });
}
