/**
 * Every case of the token attack suite against a running twin (the seed: APIM → Easy Auth → the built-in
 * function), over https to the site as an attacker on the same machine would call it. Nothing but the valid
 * variants reaches the function, the attacker's URLs (jku, x5u, iss) are never fetched, and docs/security.md
 * lists every case.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { loadParametersFile, loadTemplateFile } from '../../src/arm/index.js';
import { createSigningCertificate, memoryLogger, randomIds, systemClock } from '../../src/core/index.js';
import { startTwin, type Twin } from '../../src/runtime/index.js';
import { APP_CLIENT_ID, SEED, TENANT } from '../helpers/seed.js';
import { ROOT } from '../helpers/cli-process.js';
import { ATTACK_CASES, certDerBase64, type Kit } from './attack-cases.js';

describe('token attack suite (docs/security.md)', () => {
  let twin: Twin;
  let dir: string;
  let tls: Agent;
  let trap: Server;
  const trapHits: string[] = [];
  let kit: Kit;
  const logger = memoryLogger();

  beforeAll(async () => {
    trap = createServer((req, res) => {
      trapHits.push(req.url ?? '');
      res.end('{}');
    });
    await new Promise<void>((r) => trap.listen(0, '127.0.0.1', r));
    dir = mkdtempSync(join(tmpdir(), 'trustline-attacks-'));
    twin = await startTwin({
      stateDir: dir, inMemory: true, tenantId: TENANT, subscriptionId: '1a2b3c4d-0000-4000-8000-00000000000a',
      resourceGroup: 'rg', location: 'westeurope', clock: systemClock, ids: randomIds, logger,
    });
    await twin.deploy({ deploymentName: 'seed', template: loadTemplateFile(join(SEED, 'azuredeploy.json')), parameters: loadParametersFile(join(SEED, 'azuredeploy.parameters.json')) });
    tls = new Agent({ connect: { ca: readFileSync(twin.ready().caCertificate, 'utf8') } });
    const valid = (await twin.identity.issueManagedIdentityToken({ resource: APP_CLIENT_ID, ownerResourceId: twin.ready().apim['trustline-apim']!.resourceId })).access_token;
    const [h, p] = valid.split('.') as [string, string];
    const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Record<string, unknown>;
    const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const attackerCert = await createSigningCertificate('attacker', new Date());
    kit = {
      valid,
      header,
      claims: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>,
      twinKey: createPrivateKey(twin.identity.signingKey.key),
      twinKid: String(header.kid),
      twinCertPem: twin.identity.signingKey.cert,
      attackerKey: attacker.privateKey,
      attackerPublicJwk: { ...(attacker.publicKey.export({ format: 'jwk' }) as Record<string, unknown>), kid: 'attacker', use: 'sig' },
      attackerCertDer: certDerBase64(attackerCert.cert),
      trap: `http://127.0.0.1:${(trap.address() as AddressInfo).port}`,
      now: Math.floor(Date.now() / 1000),
    };
  });
  afterAll(async () => {
    await tls?.close();
    await twin?.close();
    trap?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(ATTACK_CASES.map((c) => [`${c.family}: ${c.name}`, c] as const))('%s', async (_title, c) => {
    const a = c.make(kit);
    const res = await request(`${twin.ready().sites['trustline-func']!.url}${a.path ?? '/api/hello'}`, { dispatcher: tls, headers: a.headers ?? {} });
    const text = await res.body.text();
    expect(res.statusCode, text.slice(0, 200)).toBe(c.expect);
    if (c.expect === 200) {
      // What reached the function: the twin's principal, never anything forged.
      const echoed = JSON.parse(text) as { headers: Record<string, string> };
      expect(echoed.headers['x-ms-client-principal-id']).toBe(twin.ready().apim['trustline-apim']!.principalId);
    }
  });

  it('never fetched an attacker URL (jku, x5u, iss)', () => {
    expect(trapHits).toEqual([]);
  });

  it('no token material in the log, and every refusal is explained', () => {
    const all = logger.lines.join('\n');
    expect(all).not.toContain(kit.valid.split('.')[2]);
    expect(all).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/);
    expect(logger.lines.filter((l) => / 401 GET \/api\/hello: /.test(l)).length).toBeGreaterThanOrEqual(ATTACK_CASES.filter((c) => c.expect === 401).length - 1);
  });

  it('docs/security.md lists every case', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'security.md'), 'utf8');
    const missing = ATTACK_CASES.filter((c) => !doc.includes(`| ${c.family} | ${c.name} | ${c.expect} |`)).map((c) => `${c.family}: ${c.name}`);
    expect(missing).toEqual([]);
  });
});
