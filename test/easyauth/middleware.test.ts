/**
 * Easy Auth as a library (`import { easyAuth } from 'trustline/easyauth'`, package.json exports): the same pipeline
 * as the twin's sites, in front of a node:http handler, an Express app and a Fastify app.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { easyAuth, type EasyAuthMiddleware } from 'trustline/easyauth';
import { systemClock, nowSeconds } from '../../src/core/index.js';
import type { AuthDecision } from '../../src/easyauth/index.js';
import { commonSettings, decodePrincipal, send } from './helpers/harness.js';
import { C, M, O, appV2Claims, startTestIssuer, type TestIssuer } from './helpers/test-issuer.js';

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await startTestIssuer();
});
afterAll(async () => {
  await issuer?.close();
});

/** What the app saw of each request that reached it. */
type Seen = Array<{ principalId?: string; forged?: string; principal?: { auth_typ: string } }>;
const seenBy = (seen: Seen) => (req: IncomingMessage) =>
  seen.push({
    principalId: req.headers['x-ms-client-principal-id'] as string | undefined,
    forged: req.headers['x-ms-client-principal-name'] as string | undefined,
    principal: req.headers['x-ms-client-principal'] ? decodePrincipal(req.headers['x-ms-client-principal']) : undefined,
  });

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function contract(name: string, start: (auth: EasyAuthMiddleware, seen: Seen) => Promise<{ origin: string; close(): Promise<void> }>) {
  describe(name, () => {
    const seen: Seen = [];
    const decisions: AuthDecision[] = [];
    let app: { origin: string; close(): Promise<void> };
    let auth: EasyAuthMiddleware;
    beforeAll(async () => {
      auth = easyAuth({ settings: { properties: commonSettings() }, httpClient: issuer.httpClient, onDecision: (d) => decisions.push(d) });
      app = await start(auth, seen);
    });
    afterAll(async () => {
      await app?.close();
      await auth?.close();
    });

    it('no token: 401 with the Bearer challenge, and the app never sees the request', async () => {
      const r = await send(app.origin, '/api/x');
      expect(r.status).toBe(401);
      expect(r.headers['www-authenticate']).toMatch(/^Bearer realm=/);
      expect(seen).toHaveLength(0);
      expect(decisions.at(-1)).toMatchObject({ outcome: 'rejected', status: 401 });
    });

    it('a valid token: the app gets the identity headers App Service sends, and a forged one is gone', async () => {
      const token = await issuer.sign(appV2Claims(nowSeconds(systemClock)));
      const r = await send(app.origin, '/api/x', { authorization: `Bearer ${token}`, 'x-ms-client-principal-name': 'forged' });
      expect(r.status).toBe(200);
      expect(seen.at(-1)).toMatchObject({ principalId: O, principal: { auth_typ: 'aad' } });
      expect(seen.at(-1)!.forged).toBeUndefined();
      expect(decisions.at(-1)).toMatchObject({ outcome: 'forwarded-authenticated', principal: { appId: M } });
    });

    it('a token for another audience: 401, explained in the decision', async () => {
      const token = await issuer.sign(appV2Claims(nowSeconds(systemClock), { aud: 'api://someone-else' }));
      const r = await send(app.origin, '/api/x', { authorization: `Bearer ${token}` });
      expect(r.status).toBe(401);
      expect(decisions.at(-1)!.steps.find((s) => !s.ok)?.reason).toContain(C);
    });
  });
}

contract('node:http', async (auth, seen) => {
  const server = createServer(
    auth.handler((req, res) => {
      seenBy(seen)(req);
      res.end('ok');
    }),
  );
  const origin = await listen(server);
  return { origin, close: () => new Promise<void>((r) => server.close(() => r())) };
});

contract('Express', async (auth, seen) => {
  const app = express();
  app.use(auth);
  app.get('/api/x', (req, res) => {
    seenBy(seen)(req);
    res.send('ok');
  });
  const server = createServer(app);
  const origin = await listen(server);
  return { origin, close: () => new Promise<void>((r) => server.close(() => r())) };
});

contract('Fastify', async (auth, seen) => {
  const app = Fastify();
  app.addHook('onRequest', auth.fastify);
  app.get('/api/x', async (request) => {
    seenBy(seen)(request.raw);
    return 'ok';
  });
  const origin = await app.listen({ port: 0, host: '127.0.0.1' });
  return { origin, close: () => app.close() };
});
