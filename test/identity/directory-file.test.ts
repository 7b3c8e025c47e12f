// The directory file: validation against the published schema (with line:column), reference resolution,
// stable ids, atomic application.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManualClock, silentLogger, sequentialIds } from '../../src/core/index.js';
import { openStore } from '../../src/state/index.js';
import { createIdentityService } from '../../src/identity/index.js';
import { secretMatches } from '../../src/identity/directory/secrets.js';
import { APIM_MI, TENANT_ID, startTwin } from './helpers/fixtures.js';
import { thrown } from '../helpers/thrown.js';

const ROOT = join(import.meta.dirname, '..', '..');

const GOOD = `{
  "applications": [
    { "displayName": "caller", "passwordCredentials": [{ "secretText": "s3cret" }] },
    { "displayName": "api", "identifierUris": ["api://api"], "accessTokenAcceptedVersion": 2,
      "appRoles": [{ "value": "Read", "allowedMemberTypes": ["Application"] }, { "value": "Admin", "allowedMemberTypes": ["User"] }] }
  ],
  "users": [{ "userPrincipalName": "alice@contoso.test", "displayName": "Alice", "password": "pw" }],
  "groups": [{ "displayName": "admins", "members": ["alice@contoso.test"] }],
  "appRoleAssignments": [
    { "principal": "caller", "resource": "api", "role": "Read" },
    { "principal": "admins", "resource": "api", "role": "Admin" }
  ]
}`;

async function service(store = openStore({ inMemory: true })) {
  return createIdentityService({ store, clock: new ManualClock(), ids: sequentialIds(), logger: silentLogger, tenantId: TENANT_ID, identityHeader: 'x' });
}


describe('directory file', () => {
  it('the published schema exists and names every documented top-level key', () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'schema', 'directory.schema.json'), 'utf8')) as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(['$schema', 'tenantId', 'applications', 'users', 'groups', 'appRoleAssignments', 'oauth2PermissionGrants']);
  });

  it('ids are derived from names: the same file gives the same ids in two fresh states; secrets are hashed', async () => {
    const a = (await service()).applyDirectory({ text: GOOD });
    const b = (await service()).applyDirectory({ text: GOOD });
    expect(a.map((o) => [o.kind, o.objectId, o.appId])).toEqual(b.map((o) => [o.kind, o.objectId, o.appId]));
    const caller = a.find((o) => o.displayName === 'caller')!;
    expect(JSON.stringify(caller)).not.toContain('s3cret');
    expect(secretMatches('s3cret', caller.passwordCredentials![0]!)).toBe(true);
    expect(secretMatches('s3cre', caller.passwordCredentials![0]!)).toBe(false);
    const alice = a.find((o) => o.kind === 'user')!;
    expect(JSON.stringify(alice)).not.toContain('"pw"');
    const group = a.find((o) => o.kind === 'group')!;
    expect(group.members).toEqual([alice.objectId]);
    const assignments = a.filter((o) => o.kind === 'appRoleAssignment').map((o) => o.assignment);
    expect(assignments).toEqual([
      { principalId: caller.servicePrincipalId, principalType: 'ServicePrincipal', resourceAppId: a[1]!.appId, appRoleId: expect.any(String) },
      { principalId: group.objectId, principalType: 'Group', resourceAppId: a[1]!.appId, appRoleId: expect.any(String) },
    ]);
  });

  it('applying twice changes nothing; the objects persist across a restart', async () => {
    const store = openStore({ inMemory: true });
    const s1 = await service(store);
    const first = s1.applyDirectory({ text: GOOD });
    const second = s1.applyDirectory({ text: GOOD });
    expect(second.map((o) => o.objectId)).toEqual(first.map((o) => o.objectId));
    expect(store.listDirectoryObjects()).toHaveLength(first.length);
  });

  it('applying the same file again writes nothing (the stored secret hashes are kept); a changed secret is written', async () => {
    const store = openStore({ inMemory: true });
    const s = await service(store);
    s.applyDirectory({ text: GOOD });
    const before = JSON.stringify(store.listDirectoryObjects());
    const changes: unknown[] = [];
    store.onChange((c) => changes.push(...c));
    s.applyDirectory({ text: GOOD });
    expect(changes).toEqual([]);
    expect(JSON.stringify(store.listDirectoryObjects())).toBe(before);
    s.applyDirectory({ text: GOOD.replace('s3cret', 'n3w-secret') });
    expect(changes).toHaveLength(1);
    const caller = store.listDirectoryObjects().find((o) => o.displayName === 'caller')!;
    expect(secretMatches('n3w-secret', caller.passwordCredentials![0]!)).toBe(true);
    expect(secretMatches('s3cret', caller.passwordCredentials![0]!)).toBe(false);
  });

  it('a declared application replaces the registration authsettingsV2 auto-created, keeping its object id', async () => {
    const store = openStore({ inMemory: true });
    store.transaction((tx) =>
      tx.putDirectoryObject({ kind: 'application', objectId: 'aaaaaaaa-0000-4000-8000-000000000001', appId: 'cccccccc-0000-4000-8000-0000000000f1', displayName: 'fn (auto)', tenantId: TENANT_ID, identifierUris: ['api://cccccccc-0000-4000-8000-0000000000f1'], origin: 'auto-created for authsettingsV2 of /x' }),
    );
    const objs = (await service(store)).applyDirectory({ doc: { applications: [{ displayName: 'fn', appId: 'cccccccc-0000-4000-8000-0000000000f1', accessTokenAcceptedVersion: 2 }] } });
    expect(objs[0]).toMatchObject({ objectId: 'aaaaaaaa-0000-4000-8000-000000000001', accessTokenAcceptedVersion: 2, identifierUris: [] });
    expect(objs[0]!.origin).toMatch(/replaces the registration auto-created for authsettingsV2 of \/x/);
  });

  it('schema violations are reported with their JSON path and line:column; nothing is written', async () => {
    const store = openStore({ inMemory: true });
    const s = await service(store);
    const text = `{
  "applications": [
    { "displayName": "x", "appRoles": [{ "value": "has space" }], "secret": 1 }
  ],
  "users": [{ "userPrincipalName": "nobody" }]
}`;
    const e = thrown(() => s.applyDirectory({ text, file: 'dir.json' }));
    expect(e.code).toBe('ERR_IDENTITY_DIRECTORY_INVALID');
    expect(e.message).toContain('applications[0].appRoles[0].value (line 3:42): does not match the pattern');
    expect(e.message).toContain("applications[0].secret (line 3:67): the property 'secret' is not allowed here");
    expect(e.message).toContain('users[0].userPrincipalName (line 5:15): does not match the pattern');
    expect(e.location).toMatchObject({ file: 'dir.json', line: 3, jsonPath: 'applications[0].appRoles[0].value' });
    expect(store.listDirectoryObjects()).toEqual([]);
    expect(thrown(() => s.applyDirectory({ text: '{ "users": [ }' })).message).toMatch(/not valid JSON: ValueExpected at line 1:14/);
  });

  it('unknown or ambiguous names and undefined roles are errors at their JSON path', async () => {
    const s = await service();
    const e1 = thrown(() => s.applyDirectory({ text: '{"appRoleAssignments": [{"principal": "ghost", "resource": "x", "role": "r"}]}' }));
    expect(e1.message).toMatch(/at line 1:26 \(appRoleAssignments\[0\]\.principal\): no user \(UPN\), group, application or managed identity is named 'ghost'/);
    const e2 = thrown(() =>
      s.applyDirectory({ doc: { applications: [{ displayName: 'api', appRoles: [{ value: 'Read' }] }], users: [{ userPrincipalName: 'a@b.c' }], appRoleAssignments: [{ principal: 'a@b.c', resource: 'api', role: 'Write' }] } }),
    );
    expect(e2.message).toMatch(/the application 'api' defines no app role 'Write' \(it has: Read\)/);
    const e3 = thrown(() =>
      s.applyDirectory({ doc: { applications: [{ displayName: 'twin' }], groups: [{ displayName: 'twin' }], appRoleAssignments: [{ principal: 'twin', resource: 'twin', role: 'x' }] } }),
    );
    expect(e3.message).toMatch(/'twin' is ambiguous: group twin \([0-9a-f-]{36}\), application twin \(appId [0-9a-f-]{36}\); name one by its id\./);
    // Named by the id the ambiguity shows: the group's object id, the application's appId.
    const planned = s.applyDirectory({ doc: { applications: [{ displayName: 'twin', appRoles: [{ value: 'x' }] }], groups: [{ displayName: 'twin' }] } });
    const [app, group] = [planned.find((o) => o.kind === 'application')!, planned.find((o) => o.kind === 'group')!];
    const byId = s.applyDirectory({ doc: { appRoleAssignments: [{ principal: group.objectId, resource: 'twin', role: 'x' }, { principal: app.appId, resource: 'twin', role: 'x' }] } });
    expect(byId.map((o) => o.assignment)).toEqual([
      expect.objectContaining({ principalId: group.objectId, principalType: 'Group' }),
      expect.objectContaining({ principalId: app.servicePrincipalId, principalType: 'ServicePrincipal' }),
    ]);
    const e4 = thrown(() =>
      s.applyDirectory({ doc: { applications: [{ displayName: 'api', appRoles: [{ value: 'Read', allowedMemberTypes: ['Application'] }] }], users: [{ userPrincipalName: 'a@b.c' }], appRoleAssignments: [{ principal: 'a@b.c', resource: 'api', role: 'Read' }] } }),
    );
    expect(e4.message).toMatch(/the app role 'Read' allows Application members, and user a@b.c is not one/);
  });

  it('a managed identity is a principal by its name', async () => {
    const twin = await startTwin({ clock: new ManualClock() });
    try {
      const objs = twin.service.applyDirectory({ doc: { applications: [{ displayName: 'fn-api', appRoles: [{ value: 'Invoke' }] }], appRoleAssignments: [{ principal: APIM_MI.displayName, resource: 'fn-api', role: 'Invoke' }] } });
      expect(objs[1]!.assignment).toMatchObject({ principalId: APIM_MI.objectId, principalType: 'ServicePrincipal' });
      // …and by its client id or principal id (a site's identity and its Easy Auth registration share the site's name).
      for (const ref of [APIM_MI.appId, APIM_MI.objectId]) {
        const [a] = twin.service.applyDirectory({ doc: { appRoleAssignments: [{ principal: ref, resource: 'fn-api', role: 'Invoke' }] } });
        expect(a!.assignment).toMatchObject({ principalId: APIM_MI.objectId, principalType: 'ServicePrincipal' });
      }
    } finally {
      await twin.close();
    }
  });
});
