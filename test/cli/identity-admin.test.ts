/**
 * `trustline keys …` and `trustline directory …` against a running identity twin, as a user reads them: real times
 * (never 1970, never truncated), refusals of CLI-built documents in the words of the options the user gave, and
 * directory-file refusals that name the file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSigningCertificate, ManualClock, sequentialIds, silentLogger } from '../../src/core/index.js';
import { createIdentityService } from '../../src/identity/index.js';
import { directoryAddApp, directoryApplyFile, directoryAssign, keysList, keysRotate } from '../../src/cli/commands/identity-admin.js';
import { createFakeStore } from '../identity/helpers/fake-store.js';
import { IDENTITY_SECRET, startTwin, TENANT_ID, type Twin } from '../identity/helpers/fixtures.js';

const START = Date.UTC(2026, 10, 30, 13, 49, 47, 793);
const dir = mkdtempSync(join(tmpdir(), 'trustline-identity-admin-'));
const readyFile = join(dir, 'ready.json');
let twin: Twin;
const clock = new ManualClock(START);

beforeAll(async () => {
  twin = await startTwin({ clock });
  writeFileSync(readyFile, JSON.stringify({ identity: { imdsEndpoint: twin.origin, identityHeader: IDENTITY_SECRET } }));
});
afterAll(async () => {
  await twin?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function run(fn: (out: (l: string) => void) => Promise<number>): Promise<{ code: number; text: string }> {
  const lines: string[] = [];
  const code = await fn((l) => lines.push(l));
  return { code, text: lines.join('\n') };
}

describe('trustline keys', () => {
  it('list shows the start-up key from the instant the twin started with it; rotate prints the instants list shows, to the millisecond', async () => {
    const before = await run((out) => keysList({ readyFile }, out));
    expect(before.text).toContain(`published ${new Date(START).toISOString()}  signs from ${new Date(START).toISOString()}`);
    expect(before.text).not.toContain('1970');
    clock.advance(1_234);
    const rotated = await run((out) => keysRotate({ readyFile, grace: 60 }, out));
    expect(rotated.code).toBe(0);
    const now = START + 1_234;
    expect(rotated.text).toContain(`signs from ${new Date(now).toISOString()}`);
    expect(rotated.text).toContain(`leaves JWKS at ${new Date(now + 60_000).toISOString()}`);
    const after = await run((out) => keysList({ readyFile }, out));
    expect(after.text).toContain(`published ${new Date(now).toISOString()}  signs from ${new Date(now).toISOString()}`);
    expect(after.text).toContain(`leaves JWKS ${new Date(now + 60_000).toISOString()}`);
    const json = JSON.parse((await run((out) => keysRotate({ readyFile, json: true }, out))).text) as { activatesAt: number };
    expect(json.activatesAt * 1000).toBe(now);
  });

  it('a key ring an earlier version persisted with zero times shows its certificate date, not 1970, and keeps its signer', async () => {
    const pem = await createSigningCertificate('legacy', new Date(START - 86_400_000));
    const store = createFakeStore();
    store.setMeta('identity.keys', JSON.stringify({ keys: [{ cert: pem.cert, key: pem.key, publishedAt: 0, activatesAt: 0 }] }));
    const service = await createIdentityService({ store, clock: new ManualClock(START), ids: sequentialIds(), logger: silentLogger, tenantId: TENANT_ID, identityHeader: IDENTITY_SECRET });
    const server = createServer((req, res) => service.handler(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const file = join(dir, 'legacy-ready.json');
      writeFileSync(file, JSON.stringify({ identity: { imdsEndpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, identityHeader: IDENTITY_SECRET } }));
      const listed = await run((out) => keysList({ readyFile: file }, out));
      expect(listed.text).not.toContain('1970');
      // The certificate's notBefore (whole seconds; the twin makes its certificates valid from an hour before).
      const notBefore = Math.floor((START - 86_400_000 - 3_600_000) / 1000) * 1000;
      expect(listed.text).toMatch(new RegExp(`^\\* \\S+  published ${new Date(notBefore).toISOString()}  signs from ${new Date(notBefore).toISOString()}$`, 'm'));
      expect(JSON.parse(store.getMeta('identity.keys')!).keys[0].publishedAt).toBe(notBefore);
    } finally {
      service.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});

describe('trustline directory: refusals say what the user gave', () => {
  it('assign: the option and its value, never a line:column of JSON the CLI built', async () => {
    const r = await run((out) => directoryAssign({ readyFile, principal: 'apim-twin', resource: 'trustline-func', role: 'Reader' }, out));
    expect(r.code).toBe(1);
    expect(r.text).toBe("refused (400): --resource trustline-func: no application is named 'trustline-func' (display name or appId).");
    const p = await run((out) => directoryAssign({ readyFile, principal: 'nobody here', resource: 'fn-twin (auto)', role: 'Reader' }, out));
    expect(p.text).toBe("refused (400): --principal 'nobody here': no user (UPN), group, application or managed identity is named 'nobody here'.");
    const j = await run((out) => directoryAssign({ readyFile, principal: 'apim-twin', resource: 'trustline-func', role: 'Reader', json: true }, out));
    const body = JSON.parse(j.text) as { status: number; error: Record<string, unknown> };
    expect(body).toMatchObject({ status: 400, error: { error: 'ERR_IDENTITY_DIRECTORY_INVALID', option: '--resource', reason: "no application is named 'trustline-func' (display name or appId)." } });
    expect(body.error['location']).toBeUndefined();
  });

  it('add-app: a schema refusal names the option (--role) and the value given', async () => {
    const r = await run((out) => directoryAddApp({ readyFile, name: 'orders', identifierUri: [], role: ['Orders.Read', 'has space'] }, out));
    expect(r.code).toBe(1);
    expect(r.text).toMatch(/^refused \(400\): --role 'has space': /);
    expect(r.text).not.toMatch(/line \d+:\d+/);
  });

  it('add-app --public-client: the app may run the device code flow without a secret', async () => {
    const r = await run((out) => directoryAddApp({ readyFile, name: 'tv-app', appId: 'aaaa0077-0000-4000-8000-000000000077', identifierUri: [], role: [], publicClient: true, json: true }, out));
    expect(r.code, r.text).toBe(0);
    const post = async (path: string, form: Record<string, string>) => (await (await fetch(`${twin.origin}/${TENANT_ID}/oauth2/v2.0/${path}`, { method: 'POST', body: new URLSearchParams(form) })).json()) as Record<string, unknown>;
    const d = await post('devicecode', { client_id: 'aaaa0077-0000-4000-8000-000000000077', scope: 'openid' });
    // Pending, not AADSTS7000218: a public client.
    expect((await post('token', { grant_type: 'device_code', client_id: 'aaaa0077-0000-4000-8000-000000000077', device_code: d.device_code as string })).error).toBe('authorization_pending');
  });

  it('apply FILE: every refusal names the file (not JSON, not the schema, not the directory), a missing file too', async () => {
    const file = (name: string, text: string) => {
      const f = join(dir, name);
      writeFileSync(f, text);
      return f;
    };
    const notJson = file('broken.json', '{ "users": [ }');
    expect((await run((out) => directoryApplyFile({ readyFile, file: notJson }, out))).text).toBe(`refused (400): The directory file ${notJson} is not valid JSON: ValueExpected at line 1:14.`);
    const schema = file('schema.json', '{\n  "users": [{ "upn": "x" }]\n}');
    expect((await run((out) => directoryApplyFile({ readyFile, file: schema }, out))).text).toContain(`The directory file ${schema} does not match schema/directory.schema.json:`);
    const unknown = file('unknown.json', '{\n  "appRoleAssignments": [\n    { "principal": "apim-twin", "resource": "nothing", "role": "Reader" }\n  ]\n}');
    expect((await run((out) => directoryApplyFile({ readyFile, file: unknown }, out))).text).toContain(`The directory file is not valid at ${unknown}:3:`);
    await expect(directoryApplyFile({ readyFile, file: join(dir, 'missing.json') }, () => undefined)).rejects.toMatchObject({ code: 'ERR_CLI_INPUT', message: expect.stringContaining(join(dir, 'missing.json')) });
  });
});
