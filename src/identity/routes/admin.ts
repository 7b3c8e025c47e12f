import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeError, isTwinError, type Logger } from '../../core/index.js';
import type { DirectoryListing } from '../directory/directory-listing.js';
import { secretMatches } from './app-service-msi.js';
import { headerValue, sendJson } from './http.js';

/** Twin-only administration of a running twin (`trustline directory …`, `trustline keys …`). */
export interface AdminDeps {
  identityHeader: string;
  logger: Logger;
  list(): DirectoryListing;
  /** Apply a directory document given as JSON text (`file`: the name its errors give it); returns the applied objects' count. */
  apply(text: string, file?: string): number;
  rotate(options: { activateAfterSeconds?: number; graceSeconds?: number }): Promise<unknown>;
  keys(): unknown;
}

export const ADMIN_PREFIX = '_trustline';
const MAX_ADMIN_BODY = 1024 * 1024;

function readText(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_ADMIN_BODY) chunks.push(c);
    });
    req.on('end', () => resolve(size > MAX_ADMIN_BODY ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(undefined));
  });
}

/**
 * `/_trustline/directory` (GET list, POST apply a directory document, `?file=` its name) and `/_trustline/keys`
 * (GET, POST `/rotate`). They change who can get tokens, so they need the same secret as the App
 * Service MI endpoint (`X-IDENTITY-HEADER`, in the ready file); the listener's Host guard applies too.
 */
export async function handleAdmin(deps: AdminDeps, req: IncomingMessage, res: ServerResponse, rest: string[], query = new URLSearchParams()): Promise<void> {
  if (!secretMatches(headerValue(req, 'x-identity-header'), deps.identityHeader)) {
    req.resume();
    sendJson(req, res, 401, { error: 'unauthorized', message: 'The X-IDENTITY-HEADER request header is missing or does not match IDENTITY_HEADER.' });
    return;
  }
  const route = `${req.method ?? 'GET'} /${rest.join('/')}`;
  try {
    if (route === 'GET /directory') {
      req.resume();
      sendJson(req, res, 200, deps.list());
      return;
    }
    if (route === 'POST /directory') {
      const text = await readText(req);
      if (text === undefined) {
        sendJson(req, res, 413, { error: 'too_large', message: `The directory document exceeds ${MAX_ADMIN_BODY} bytes.` });
        return;
      }
      // `?file=NAME`: the directory file the document was read from (`trustline directory apply FILE`), named by its errors.
      const file = query.get('file') ?? undefined;
      sendJson(req, res, 200, { applied: deps.apply(text, file === '' ? undefined : file) });
      return;
    }
    if (route === 'GET /keys') {
      req.resume();
      sendJson(req, res, 200, deps.keys());
      return;
    }
    if (route === 'POST /keys/rotate') {
      const text = (await readText(req)) ?? '';
      const o = (text.trim() === '' ? {} : JSON.parse(text)) as { activateAfterSeconds?: unknown; graceSeconds?: unknown };
      const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);
      const activateAfterSeconds = num(o.activateAfterSeconds);
      const graceSeconds = num(o.graceSeconds);
      sendJson(req, res, 200, await deps.rotate({ ...(activateAfterSeconds === undefined ? {} : { activateAfterSeconds }), ...(graceSeconds === undefined ? {} : { graceSeconds }) }));
      return;
    }
    req.resume();
    sendJson(req, res, 404, { error: 'not_found', message: `No administration route ${route}.` });
  } catch (e) {
    if (isTwinError(e)) {
      // `reason`: the refusal without its place (a client that built the document itself says where in its own words).
      const reason = e.details?.['reason'];
      sendJson(req, res, 400, { error: e.code, message: e.message, ...(typeof reason === 'string' ? { reason } : {}), ...(e.location ? { location: e.location } : {}) });
      return;
    }
    if (e instanceof SyntaxError) {
      sendJson(req, res, 400, { error: 'invalid_json', message: e.message });
      return;
    }
    deps.logger.error('administration route failed', { error: describeError(e) });
    sendJson(req, res, 500, { error: 'server_error', message: 'Internal error.' });
  }
}
