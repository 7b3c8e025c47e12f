import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * `<site>.scm.azurewebsites.net` (Kudu, the site's deployment and diagnostics host) is routed to the twin so that
 * tools going through the proxy get an answer instead of the internet; the twin does not play Kudu, and says so.
 */
export function scmSite(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  const host = String(req.headers.host ?? '').replace(/:\d+$/, '');
  const body = JSON.stringify({
    Message: `Trustline does not play the Kudu (SCM) site ${host}: deployment and diagnostics APIs are not part of the twin.`,
  });
  res.writeHead(404, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
