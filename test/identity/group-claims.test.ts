// Roles and groups claims under the app registration's settings: groupMembershipClaims for the caller's groups, and
// the `groups` optional claim's additionalProperties — emit_as_roles (group ids in `roles`, app roles left out),
// cloud_displayname (display names, with ApplicationGroup) — per token type; managed identities get groups too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { ManualClock } from '../../src/core/index.js';
import { APIM_ID, APIM_MI, TENANT_ID, UAMI, decodeJwt, startTwin, type Twin } from './helpers/fixtures.js';

const clock = new ManualClock(Date.UTC(2026, 10, 29, 12, 0, 0));
const WEB = 'ac0c0001-0000-4000-8000-000000000001';
const PLAIN = 'ac0c0002-0000-4000-8000-000000000002';
const AS_ROLES = 'ac0c0003-0000-4000-8000-000000000003';
const NAMES = 'ac0c0004-0000-4000-8000-000000000004';
const verifier = 'a-verifier-of-more-than-forty-three-characters-0123456789';
let twin: Twin;
const ids: Record<string, string> = {};

beforeAll(async () => {
  twin = await startTwin({ clock, directory: [APIM_MI, UAMI] });
  const objs = twin.service.applyDirectory({
    doc: {
      applications: [
        // The client: its ID tokens carry the groups as roles (idToken optional claim), its access tokens are the APIs'.
        { displayName: 'web', appId: WEB, passwordCredentials: [{ secretText: 'web-secret' }], redirectUris: ['http://localhost/cb'], groupMembershipClaims: 'SecurityGroup', appRoles: [{ value: 'Web.User' }], optionalClaims: { idToken: [{ name: 'groups', additionalProperties: ['emit_as_roles'] }] } },
        { displayName: 'plain-api', appId: PLAIN, identifierUris: [`api://${PLAIN}`], groupMembershipClaims: 'SecurityGroup', appRoles: [{ value: 'Reader' }], optionalClaims: { accessToken: [{ name: 'groups', additionalProperties: ['sam_account_name'] }] } },
        { displayName: 'as-roles-api', appId: AS_ROLES, identifierUris: [`api://${AS_ROLES}`], groupMembershipClaims: 'All', appRoles: [{ value: 'Reader' }], optionalClaims: { accessToken: [{ name: 'groups', additionalProperties: ['emit_as_roles'] }] } },
        { displayName: 'names-api', appId: NAMES, identifierUris: [`api://${NAMES}`], groupMembershipClaims: 'ApplicationGroup', appRoles: [{ value: 'Reader' }], optionalClaims: { accessToken: [{ name: 'groups', additionalProperties: ['cloud_displayname'] }] } },
      ],
      users: [{ userPrincipalName: 'dana@contoso.test', displayName: 'Dana', password: 'dana-pw' }],
      groups: [
        { displayName: 'readers', members: ['dana@contoso.test', 'web', APIM_MI.displayName] },
        { displayName: 'others', members: ['dana@contoso.test', 'web', APIM_MI.displayName] },
      ],
      appRoleAssignments: [
        ...['plain-api', 'as-roles-api', 'names-api'].map((resource) => ({ principal: 'readers', resource, role: 'Reader' })),
        { principal: 'dana@contoso.test', resource: 'web', role: 'Web.User' },
      ],
    },
  });
  for (const o of objs) if (o.kind === 'group') ids[o.displayName] = o.objectId;
});
afterAll(async () => {
  await twin?.close();
});

const token = async (form: Record<string, string>) => {
  const res = await fetch(`${twin.origin}/${TENANT_ID}/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams(form) });
  const body = (await res.json()) as Record<string, string>;
  if (res.status !== 200) throw new Error(JSON.stringify(body));
  return body;
};
const appClaims = async (api: string) => decodeJwt((await token({ grant_type: 'client_credentials', client_id: WEB, client_secret: 'web-secret', scope: `${api}/.default` })).access_token!).payload;
const userTokens = async (api: string) => {
  const q = new URLSearchParams({ client_id: WEB, response_type: 'code', redirect_uri: 'http://localhost/cb', scope: `api://${api}/.default openid`, code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256' });
  const page = await (await fetch(`${twin.origin}/${TENANT_ID}/oauth2/v2.0/authorize?${q}`)).text();
  const ctx = /name="ctx" value="([^"]+)"/.exec(page)![1]!;
  const posted = await fetch(`${twin.origin}/${TENANT_ID}/oauth2/v2.0/authorize`, { method: 'POST', body: new URLSearchParams({ ctx, username: 'dana@contoso.test', password: 'dana-pw' }), redirect: 'manual' });
  const code = new URL(posted.headers.get('location')!).searchParams.get('code')!;
  const t = await token({ grant_type: 'authorization_code', client_id: WEB, client_secret: 'web-secret', code, redirect_uri: 'http://localhost/cb', code_verifier: verifier, scope: `api://${api}/.default openid` });
  return { access: decodeJwt(t.access_token!).payload, id: decodeJwt(t.id_token!).payload };
};
const sorted = (v: unknown) => [...(v as string[])].sort();

describe('roles and groups claims', () => {
  it('groupMembershipClaims: group ids in groups, app roles in roles; sAMAccountName forms keep object ids for cloud groups', async () => {
    const both = [ids.readers!, ids.others!].sort();
    const app = await appClaims(PLAIN);
    expect(sorted(app.groups)).toEqual(both);
    expect(app.roles).toEqual(['Reader']);
    const { access } = await userTokens(PLAIN);
    expect(sorted(access.groups)).toEqual(both);
    expect(access.roles).toEqual(['Reader']);
  });

  it('emit_as_roles: the group ids are the roles claim, no groups claim, no app roles — for the token type it is set on', async () => {
    const both = [ids.readers!, ids.others!].sort();
    const app = await appClaims(AS_ROLES);
    expect(app.groups).toBeUndefined();
    expect(sorted(app.roles)).toEqual(both);
    const { access, id } = await userTokens(AS_ROLES);
    expect(access.groups).toBeUndefined();
    expect(sorted(access.roles)).toEqual(both);
    // The client's ID token: its own idToken setting (emit_as_roles) over its own groups claim; its role Web.User left out.
    expect(id.groups).toBeUndefined();
    expect(sorted(id.roles)).toEqual(both);
    // The plain API sets nothing for ID tokens: the same client's ID token is unchanged by the API's settings.
    expect(sorted((await userTokens(PLAIN)).id.roles)).toEqual(both);
  });

  it('cloud_displayname with ApplicationGroup: display names of the groups assigned to the app', async () => {
    expect((await appClaims(NAMES)).groups).toEqual(['readers']);
    expect((await userTokens(NAMES)).access.groups).toEqual(['readers']);
  });

  it("managed identity tokens carry the identity's groups too", async () => {
    const mi = decodeJwt((await twin.service.issueManagedIdentityToken({ resource: PLAIN, ownerResourceId: APIM_ID })).access_token).payload;
    expect(sorted(mi.groups)).toEqual([ids.readers!, ids.others!].sort());
    expect(mi.roles).toEqual(['Reader']);
    const asRoles = decodeJwt((await twin.service.issueManagedIdentityToken({ resource: AS_ROLES, ownerResourceId: APIM_ID })).access_token).payload;
    expect(sorted(asRoles.roles)).toEqual([ids.readers!, ids.others!].sort());
  });

  it('an unknown additionalProperties value is refused with its JSON path', () => {
    const text = JSON.stringify({ applications: [{ displayName: 'x', optionalClaims: { accessToken: [{ name: 'groups', additionalProperties: ['emit_as_everything'] }] } }] });
    expect(() => twin.service.applyDirectory({ text })).toThrow(/applications\[0\]\.optionalClaims\.accessToken\[0\]\.additionalProperties\[0\]/);
  });
});
