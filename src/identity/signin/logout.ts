import type { IncomingMessage, ServerResponse } from 'node:http';
import { queryValue } from '../routes/http.js';
import { PAGE_HEADERS } from './sign-in-page.js';

const SIGNED_OUT = '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sign out</title></head><body><h1>You signed out of your account</h1><p>It\'s a good idea to close all browser windows.</p></body></html>';

/**
 * `/{tenant}/oauth2[/v2.0]/logout` (the metadata's `end_session_endpoint`): the twin keeps no sign-in
 * session of its own, so there is nothing to end; it sends the browser to `post_logout_redirect_uri` when
 * one is given (an http(s) URL), else shows Entra's "You signed out" page.
 */
export function handleLogout(_req: IncomingMessage, res: ServerResponse, query: URLSearchParams): void {
  const target = queryValue(query, 'post_logout_redirect_uri');
  if (target !== undefined && /^https?:\/\//i.test(target)) {
    res.writeHead(302, { Location: target, 'Cache-Control': 'no-store, no-cache', 'Content-Length': '0' });
    res.end();
    return;
  }
  res.writeHead(200, { ...PAGE_HEADERS, 'Content-Length': String(Buffer.byteLength(SIGNED_OUT)) });
  res.end(SIGNED_OUT);
}
