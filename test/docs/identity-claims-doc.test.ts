// docs/identity.md lists every claim the twin emits, per kind of token and version: this test issues tokens of
// every kind the twin issues (app-only: managed identity, client secret, certificate assertion; user: authorization
// code from a confidential and a public client, refresh token; ID tokens from both endpoints), each for a v1 and a v2
// resource, with groups and roles configured, and checks each claim against the page's tables. It also checks the
// converse: every claim a table marks as emitted shows up in at least one of these tokens.
import { readFileSync } from 'node:fs';
import { createHash, createPrivateKey, randomUUID, sign, X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, createSigningCertificate } from '../../src/core/index.js';
import { APIM_ID, APIM_MI, TENANT_ID, UAMI, decodeJwt, startTwin, type Twin } from '../identity/helpers/fixtures.js';

type Kind = 'app' | 'user' | 'id';
type Version = 'v1' | 'v2';
const SECTIONS: Record<Kind, RegExp> = { app: /^## App-only access tokens/, user: /^## User \(delegated\) access tokens/, id: /^## ID tokens/ };

/** The page's tables: for each kind, claim → the versions in which the table says it is emitted. */
function documentedClaims(): Record<Kind, Map<string, Set<Version>>> {
  const out = { app: new Map(), user: new Map(), id: new Map() } as Record<Kind, Map<string, Set<Version>>>;
  let kind: Kind | undefined;
  for (const line of readFileSync(new URL('../../docs/identity.md', import.meta.url), 'utf8').split('\n')) {
    if (line.startsWith('## ')) kind = (Object.keys(SECTIONS) as Kind[]).find((k) => SECTIONS[k].test(line));
    const cells = line.split('|').map((c) => c.trim());
    if (!kind || cells.length < 5 || !cells[1]!.startsWith('`')) continue;
    const [names, v1, v2] = [cells[1]!, cells[2]!, cells[3]!];
    // `a` / `b` with columns "v1" | "v2": a is the v1 claim, b the v2 one. Otherwise ✓ in a column: every name.
    const groups = names.split(' / ').map((g) => [...g.matchAll(/`([^`]+)`/g)].map((m) => m[1]!));
    const add = (claim: string, v: Version) => (out[kind!].get(claim) ?? out[kind!].set(claim, new Set()).get(claim)!).add(v);
    if (groups.length === 2 && v1 === 'v1' && v2 === 'v2') {
      groups[0]!.forEach((c) => add(c, 'v1'));
      groups[1]!.forEach((c) => add(c, 'v2'));
    } else {
      for (const c of groups.flat()) {
        if (v1 === '✓') add(c, 'v1');
        if (v2 === '✓') add(c, 'v2');
        if (v1 !== '✓' && v2 !== '✓') out[kind].has(c) || out[kind].set(c, new Set());
      }
    }
  }
  return out;
}

const clock = new ManualClock(Date.UTC(2026, 10, 29, 12, 0, 0));
const CALLER = 'abab0001-0000-4000-8000-000000000001';
const SPA = 'abab0002-0000-4000-8000-000000000002';
const CERT = 'abab0003-0000-4000-8000-000000000003';
const V1_API = 'abab0004-0000-4000-8000-000000000004';
const V2_API = 'abab0005-0000-4000-8000-000000000005';
const verifier = 'a-verifier-of-more-than-forty-three-characters-0123456789';
let twin: Twin;
let cert: { cert: string; key: string };
/** Every token issued: its kind, version and claims. */
const issued: { kind: Kind; version: Version; label: string; claims: Record<string, unknown> }[] = [];

const post = async (path: string, form: Record<string, string>) => {
  const res = await fetch(`${twin.origin}/${TENANT_ID}/oauth2/${path}`, { method: 'POST', body: new URLSearchParams(form), redirect: 'manual' });
  return res;
};
const tokenRequest = async (v: Version, form: Record<string, string>) => {
  const res = await post(v === 'v2' ? 'v2.0/token' : 'token', form);
  const body = (await res.json()) as Record<string, string>;
  if (res.status !== 200) throw new Error(`${res.status} ${JSON.stringify(body)}`);
  return body;
};
const record = (kind: Kind, label: string, token: string) => {
  const claims = decodeJwt(token).payload;
  issued.push({ kind, version: claims.ver === '2.0' ? 'v2' : 'v1', label, claims });
};
const assertion = (endpoint: Version) => {
  const now = clock.now() / 1000;
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const x5t = createHash('sha1').update(new X509Certificate(cert.cert).raw).digest('base64url');
  const aud = `https://login.microsoftonline.com/${TENANT_ID}/oauth2/${endpoint === 'v2' ? 'v2.0/' : ''}token`;
  const input = `${b64({ alg: 'RS256', typ: 'JWT', x5t })}.${b64({ aud, iss: CERT, sub: CERT, jti: randomUUID(), nbf: now, exp: now + 600 })}`;
  return `${input}.${sign('sha256', Buffer.from(input), createPrivateKey(cert.key)).toString('base64url')}`;
};
/** Sign alice in at the authorize endpoint of `endpoint`'s version; returns the code. */
const code = async (endpoint: Version, clientId: string, redirectUri: string, scope: string) => {
  const path = endpoint === 'v2' ? 'v2.0/authorize' : 'authorize';
  const q = { client_id: clientId, response_type: 'code', redirect_uri: redirectUri, scope, nonce: 'n-1', code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256', ...(endpoint === 'v1' ? { resource: scope.split(' ')[0]! } : {}) };
  const page = await (await fetch(`${twin.origin}/${TENANT_ID}/oauth2/${path}?${new URLSearchParams(q)}`)).text();
  const ctx = /name="ctx" value="([^"]+)"/.exec(page)?.[1];
  if (!ctx) throw new Error(`no sign-in form: ${page.slice(0, 300)}`);
  const r = await post(path, { ctx, username: 'alice@contoso.test', password: 'alice-pw' });
  const c = new URL(r.headers.get('location')!).searchParams.get('code');
  if (!c) throw new Error(`no code: ${r.headers.get('location')}`);
  return c;
};

beforeAll(async () => {
  twin = await startTwin({ clock, directory: [APIM_MI, UAMI] });
  cert = await createSigningCertificate('claims-doc', new Date(clock.now()));
  twin.service.applyDirectory({
    doc: {
      applications: [
        // The client app also has roles and group claims: they go into its ID tokens.
        { displayName: 'caller', appId: CALLER, passwordCredentials: [{ secretText: 'caller-secret' }], redirectUris: ['http://localhost/cb'], appRoles: [{ value: 'Member', allowedMemberTypes: ['User'] }], groupMembershipClaims: 'SecurityGroup' },
        { displayName: 'spa', appId: SPA, redirectUris: ['http://localhost/spa'] },
        { displayName: 'cert-caller', appId: CERT, keyCredentials: [{ certificate: cert.cert }] },
        ...([['v1-api', V1_API, 1], ['v2-api', V2_API, 2]] as const).map(([displayName, appId, v]) => ({
          displayName,
          appId,
          identifierUris: [`api://${appId}`],
          accessTokenAcceptedVersion: v,
          appRoles: [{ value: 'Reader' }],
          oauth2PermissionScopes: [{ value: 'user_impersonation' }],
          groupMembershipClaims: 'SecurityGroup' as const,
        })),
      ],
      users: [{ userPrincipalName: 'alice@contoso.test', displayName: 'Alice Adams', password: 'alice-pw' }],
      groups: [{ displayName: 'everyone', members: ['alice@contoso.test', 'caller', 'cert-caller', APIM_MI.displayName, 'spa'] }],
      appRoleAssignments: [
        ...['v1-api', 'v2-api'].flatMap((resource) => ['everyone', 'caller'].map((principal) => ({ principal, resource, role: 'Reader' }))),
        { principal: 'alice@contoso.test', resource: 'caller', role: 'Member' },
      ],
    },
  });
  for (const [api, apiVersion] of [[V1_API, 'v1'], [V2_API, 'v2']] as const) {
    record('app', `managed identity, ${apiVersion} resource`, (await twin.service.issueManagedIdentityToken({ resource: api, ownerResourceId: APIM_ID })).access_token);
    for (const endpoint of ['v1', 'v2'] as const) {
      const target: Record<string, string> = endpoint === 'v1' ? { resource: api } : { scope: `${api}/.default` };
      record('app', `client secret at the ${endpoint} endpoint, ${apiVersion} resource`, (await tokenRequest(endpoint, { grant_type: 'client_credentials', client_id: CALLER, client_secret: 'caller-secret', ...target })).access_token!);
      record('app', `certificate at the ${endpoint} endpoint, ${apiVersion} resource`, (await tokenRequest(endpoint, { grant_type: 'client_credentials', client_id: CERT, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion(endpoint), ...target })).access_token!);
      const scope = endpoint === 'v1' ? api : `${api}/user_impersonation openid profile offline_access`;
      const web = await tokenRequest(endpoint, { grant_type: 'authorization_code', client_id: CALLER, client_secret: 'caller-secret', code: await code(endpoint, CALLER, 'http://localhost/cb', scope), redirect_uri: 'http://localhost/cb', code_verifier: verifier, ...(endpoint === 'v1' ? { resource: api } : { scope }) });
      record('user', `authorization code (confidential) at the ${endpoint} endpoint, ${apiVersion} resource`, web.access_token!);
      record('id', `ID token at the ${endpoint} endpoint`, web.id_token!);
      const spa = await tokenRequest(endpoint, { grant_type: 'authorization_code', client_id: SPA, code: await code(endpoint, SPA, 'http://localhost/spa', scope), redirect_uri: 'http://localhost/spa', code_verifier: verifier, ...(endpoint === 'v1' ? { resource: api } : { scope }) });
      record('user', `authorization code (public, PKCE) at the ${endpoint} endpoint, ${apiVersion} resource`, spa.access_token!);
      const refreshed = await tokenRequest(endpoint, { grant_type: 'refresh_token', client_id: CALLER, client_secret: 'caller-secret', refresh_token: web.refresh_token!, ...(endpoint === 'v1' ? { resource: api } : { scope: `${api}/user_impersonation` }) });
      record('user', `refresh token at the ${endpoint} endpoint, ${apiVersion} resource`, refreshed.access_token!);
    }
  }
}, 180_000);
afterAll(async () => {
  await twin?.close();
});

describe('docs/identity.md lists every claim the twin emits', () => {
  it('each emitted claim is in the table of its kind of token, marked for its version', () => {
    const docs = documentedClaims();
    expect(issued.length).toBe(2 * (1 + 2 * 6));
    const missing: string[] = [];
    for (const t of issued) {
      for (const claim of Object.keys(t.claims)) {
        if (!docs[t.kind].get(claim)?.has(t.version)) missing.push(`${t.kind} ${t.version} (${t.label}): ${claim}`);
      }
    }
    expect([...new Set(missing)]).toEqual([]);
  });

  it('each claim a table marks as emitted appears in some token of that kind and version', () => {
    const docs = documentedClaims();
    // Emitted only in situations this test does not set up.
    const situational = new Set(['at_hash', 'c_hash']);
    const never: string[] = [];
    for (const kind of Object.keys(docs) as Kind[]) {
      for (const [claim, versions] of docs[kind]) {
        for (const v of versions) {
          if (situational.has(claim)) continue;
          if (!issued.some((t) => t.kind === kind && t.version === v && claim in t.claims)) never.push(`${kind} ${v}: ${claim}`);
        }
      }
    }
    expect(never).toEqual([]);
  });
});
