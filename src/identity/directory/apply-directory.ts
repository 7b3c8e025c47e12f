import type { Logger } from '../../core/index.js';
import type { DirectoryObject, Store } from '../../state/index.js';
import { identityError } from '../errors.js';
import type { DirectoryDocument, DirectoryFileApplication, Locator } from './directory-file.js';
import { TOKEN_EXCHANGE_AUDIENCE } from '../tokens/resource-resolver.js';
import { certificateCredential, keepOrHashSecret } from './secrets.js';
import { federatedCredentialRefusal } from './federated-credential-rule.js';
import { appRoleAllowsMember, type AssignedPrincipalType } from './app-role-rule.js';
import { permissionGrantRefusal } from './permission-grant-rule.js';

import { stableId } from './stable-id.js';
import { servicePrincipalIdFor } from './service-principal-id.js';

export { DIRECTORY_ID_NAMESPACE, stableId } from './stable-id.js';

const lower = (s: string | undefined) => (s ?? '').toLowerCase();
const sameTenant = (o: DirectoryObject, tenantId: string) => lower(o.tenantId) === lower(tenantId);

type PrincipalType = AssignedPrincipalType;

/**
 * Turn a validated directory document into directory objects, merged with what the store already
 * holds (an application is matched by appId, a user by UPN, a group by display name, so applying a
 * file twice changes nothing and an auto-created registration is replaced by the declared one).
 * References (group members, app role assignments) are resolved by name; an unknown or ambiguous
 * name, or a role the resource does not define, throws ERR_IDENTITY_DIRECTORY_INVALID at its JSON path.
 */
export function planDirectory(
  doc: DirectoryDocument,
  existing: readonly DirectoryObject[],
  options: { defaultTenantId: string; origin: string; locate?: Locator },
): DirectoryObject[] {
  const tenantId = doc.tenantId ?? options.defaultTenantId;
  const origin = options.origin;
  const fail = (path: Array<string | number>, message: string): never => {
    throw identityError('ERR_IDENTITY_DIRECTORY_INVALID', `The directory file is not valid at ${options.locate ? formatWhere(options.locate(path)) : path.join('.')}: ${message}`, { reason: message }, undefined, options.locate?.(path));
  };
  const inTenant = existing.filter((o) => sameTenant(o, tenantId));
  const planned = new Map<string, DirectoryObject>();
  const put = (o: DirectoryObject) => planned.set(o.objectId.toLowerCase(), o);

  // Applications (+ their service principal id).
  const appsByName = new Map<string, DirectoryObject>();
  (doc.applications ?? []).forEach((a, i) => {
    const appId = a.appId ?? existingApp(inTenant, a.displayName)?.appId ?? stableId(tenantId, 'application', a.displayName);
    const before = inTenant.find((o) => o.kind === 'application' && lower(o.appId) === lower(appId));
    if ([...planned.values()].some((o) => o.kind === 'application' && lower(o.appId) === lower(appId))) {
      fail(['applications', i, 'appId'], `the appId ${appId} is declared twice.`);
    }
    const version = a.accessTokenAcceptedVersion !== undefined ? a.accessTokenAcceptedVersion : (a.api?.requestedAccessTokenVersion ?? null);
    const scopes = [...(a.oauth2PermissionScopes ?? []), ...(a.api?.oauth2PermissionScopes ?? [])];
    const roleValues = new Set<string>();
    const app: DirectoryObject = {
      kind: 'application',
      objectId: before?.objectId ?? stableId(tenantId, 'application-object', appId),
      appId,
      displayName: a.displayName,
      tenantId,
      identifierUris: [...(a.identifierUris ?? [])],
      accessTokenAcceptedVersion: version,
      appRoles: (a.appRoles ?? []).map((r, j) => {
        if (roleValues.has(r.value)) fail(['applications', i, 'appRoles', j, 'value'], `the app role value '${r.value}' is declared twice.`);
        roleValues.add(r.value);
        return { id: r.id ?? stableId(tenantId, 'app-role', appId, r.value), value: r.value, allowedMemberTypes: r.allowedMemberTypes ?? ['User', 'Application'] };
      }),
      oauth2PermissionScopes: scopes.map((s) => ({ id: s.id ?? stableId(tenantId, 'scope', appId, s.value), value: s.value })),
      groupMembershipClaims: a.groupMembershipClaims ?? null,
      optionalClaims: {
        accessToken: (a.optionalClaims?.accessToken ?? []).map((c) => c.name),
        idToken: (a.optionalClaims?.idToken ?? []).map((c) => c.name),
      },
      optionalClaimProperties: {
        accessToken: Object.fromEntries((a.optionalClaims?.accessToken ?? []).map((c) => [c.name, [...(c.additionalProperties ?? [])]])),
        idToken: Object.fromEntries((a.optionalClaims?.idToken ?? []).map((c) => [c.name, [...(c.additionalProperties ?? [])]])),
      },
      redirectUris: [...(a.redirectUris ?? [])],
      ...(a.isFallbackPublicClient === true ? { isFallbackPublicClient: true } : {}),
      servicePrincipalId: before?.servicePrincipalId ?? servicePrincipalIdFor(tenantId, appId),
      passwordCredentials: (a.passwordCredentials ?? []).map((p, j) => keepOrHashSecret(p.secretText, stableId(tenantId, 'password', appId, String(j)), before?.passwordCredentials, { hint: true })),
      keyCredentials: (a.keyCredentials ?? []).map((k, j) => {
        try {
          return certificateCredential(k.certificate, stableId(tenantId, 'key', appId, String(j)));
        } catch (e) {
          return fail(['applications', i, 'keyCredentials', j, 'certificate'], `not a PEM certificate (${(e as Error).message}).`);
        }
      }),
      ...federatedCredentials(a, i, tenantId, appId, before, fail),
      origin: before?.origin?.startsWith('auto-created') ? `${origin} (replaces the registration ${before.origin})` : origin,
    };
    if (appsByName.has(lower(a.displayName))) fail(['applications', i, 'displayName'], `the display name '${a.displayName}' is declared twice.`);
    appsByName.set(lower(a.displayName), app);
    put(app);
  });

  // Users.
  const usersByUpn = new Map<string, DirectoryObject>();
  (doc.users ?? []).forEach((u, i) => {
    if (usersByUpn.has(lower(u.userPrincipalName))) fail(['users', i, 'userPrincipalName'], `the user ${u.userPrincipalName} is declared twice.`);
    const before = inTenant.find((o) => o.kind === 'user' && lower(o.userPrincipalName) === lower(u.userPrincipalName));
    const objectId = u.id ?? before?.objectId ?? stableId(tenantId, 'user', u.userPrincipalName);
    const user: DirectoryObject = {
      kind: 'user',
      objectId,
      appId: '',
      displayName: u.displayName ?? u.userPrincipalName.split('@')[0]!,
      tenantId,
      userPrincipalName: u.userPrincipalName,
      ...(u.password !== undefined ? { password: keepOrHashSecret(u.password, stableId(tenantId, 'user-password', objectId), before?.password) } : {}),
      origin,
    };
    usersByUpn.set(lower(u.userPrincipalName), user);
    put(user);
  });

  // Groups (members resolved below, once every group has its id).
  const groupsByName = new Map<string, DirectoryObject>();
  (doc.groups ?? []).forEach((g, i) => {
    if (groupsByName.has(lower(g.displayName))) fail(['groups', i, 'displayName'], `the group '${g.displayName}' is declared twice.`);
    const before = inTenant.find((o) => o.kind === 'group' && lower(o.displayName) === lower(g.displayName));
    const group: DirectoryObject = {
      kind: 'group',
      objectId: g.id ?? before?.objectId ?? stableId(tenantId, 'group', g.displayName),
      appId: '',
      displayName: g.displayName,
      tenantId,
      members: [],
      origin,
    };
    groupsByName.set(lower(g.displayName), group);
    put(group);
  });

  const candidates = (name: string): Array<{ id: string; type: PrincipalType; what: string; ref: string }> => {
    const n = lower(name);
    const out = new Map<string, { id: string; type: PrincipalType; what: string; ref: string }>();
    const add = (id: string, type: PrincipalType, what: string, ref: string) => out.set(`${type}:${id.toLowerCase()}`, { id, type, what, ref });
    // By name, or — to tell apart principals that share a name — by id: a user's or group's object id, an
    // application's appId or service principal id, a managed identity's client id or principal id.
    const all = [...planned.values(), ...inTenant.filter((o) => !planned.has(o.objectId.toLowerCase()))];
    const user = usersByUpn.get(n) ?? all.find((o) => o.kind === 'user' && (lower(o.userPrincipalName) === n || lower(o.objectId) === n));
    if (user) add(user.objectId, 'User', `user ${user.userPrincipalName}`, user.objectId);
    const group = groupsByName.get(n) ?? all.find((o) => o.kind === 'group' && (lower(o.displayName) === n || lower(o.objectId) === n));
    if (group) add(group.objectId, 'Group', `group ${group.displayName}`, group.objectId);
    const app = appsByName.get(n) ?? all.find((o) => o.kind === 'application' && (lower(o.displayName) === n || lower(o.appId) === n || lower(o.servicePrincipalId) === n));
    if (app?.servicePrincipalId) add(app.servicePrincipalId, 'ServicePrincipal', `application ${app.displayName}`, `appId ${app.appId}`);
    for (const mi of inTenant) {
      if (mi.kind === 'managedIdentity' && [mi.displayName, mi.objectId, mi.appId].some((v) => lower(v) === n)) add(mi.objectId, 'ServicePrincipal', `managed identity ${mi.resourceId ?? mi.displayName}`, `principal id ${mi.objectId}`);
    }
    return [...out.values()];
  };
  const resolvePrincipal = (name: string, path: Array<string | number>) => {
    const found = candidates(name);
    if (found.length === 0) return fail(path, `no user (UPN), group, application or managed identity is named '${name}'.`);
    if (found.length > 1) return fail(path, `'${name}' is ambiguous: ${found.map((f) => `${f.what} (${f.ref})`).join(', ')}; name one by its id.`);
    return found[0]!;
  };

  (doc.groups ?? []).forEach((g, i) => {
    const group = groupsByName.get(lower(g.displayName))!;
    group.members = [...new Set((g.members ?? []).map((m, j) => resolvePrincipal(m, ['groups', i, 'members', j]).id))];
    const owners = (g.owners ?? []).map((m, j) => {
      const owner = resolvePrincipal(m, ['groups', i, 'owners', j]);
      return owner.type === 'Group' ? fail(['groups', i, 'owners', j], `a group cannot own a group (${owner.what}).`) : owner.id;
    });
    if (owners.length > 0) group.owners = [...new Set(owners)];
  });

  const applicationNamed = (name: string, path: Array<string | number>): DirectoryObject => {
    const r = lower(name);
    const app =
      appsByName.get(r) ??
      [...planned.values()].find((o) => o.kind === 'application' && lower(o.appId) === r) ??
      inTenant.find((o) => o.kind === 'application' && (lower(o.displayName) === r || lower(o.appId) === r));
    return app ?? fail(path, `no application is named '${name}' (display name or appId).`);
  };

  (doc.appRoleAssignments ?? []).forEach((a, i) => {
    const principal = resolvePrincipal(a.principal, ['appRoleAssignments', i, 'principal']);
    const resource = applicationNamed(a.resource, ['appRoleAssignments', i, 'resource']);
    const role = (resource.appRoles ?? []).find((x) => x.value === a.role);
    if (!role) {
      return fail(['appRoleAssignments', i, 'role'], `the application '${resource.displayName}' defines no app role '${a.role}' (it has: ${(resource.appRoles ?? []).map((x) => x.value).join(', ') || 'none'}).`);
    }
    if (!appRoleAllowsMember(role, principal.type)) {
      return fail(['appRoleAssignments', i, 'principal'], `the app role '${role.value}' allows ${(role.allowedMemberTypes ?? []).join(', ')} members, and ${principal.what} is not one.`);
    }
    const objectId = stableId(tenantId, 'app-role-assignment', principal.id, resource.appId, role.id);
    put({
      kind: 'appRoleAssignment',
      objectId,
      appId: '',
      displayName: `${principal.what} → ${resource.displayName}: ${role.value}`,
      tenantId,
      assignment: { principalId: principal.id, principalType: principal.type, resourceAppId: resource.appId, appRoleId: role.id },
      origin,
    });
  });
  (doc.oauth2PermissionGrants ?? []).forEach((g, i) => {
    const client = applicationNamed(g.client, ['oauth2PermissionGrants', i, 'client']);
    const resource = applicationNamed(g.resource, ['oauth2PermissionGrants', i, 'resource']);
    const consentType = g.consentType ?? 'AllPrincipals';
    const refusal = permissionGrantRefusal({ consentType, hasPrincipal: g.principal !== undefined, scope: g.scope }, 'principal');
    // A principal the file does not name is refused at the consentType that asks for it.
    if (refusal) return fail(['oauth2PermissionGrants', i, refusal.property === 'principal' && g.principal === undefined ? 'consentType' : refusal.property], refusal.message);
    let principalId: string | null = null;
    if (consentType === 'Principal' && g.principal !== undefined) {
      const user = usersByUpn.get(lower(g.principal)) ?? inTenant.find((o) => o.kind === 'user' && lower(o.userPrincipalName) === lower(g.principal));
      if (!user) return fail(['oauth2PermissionGrants', i, 'principal'], `no user is named '${g.principal}'.`);
      principalId = user.objectId;
    }
    const exposedScopes = (resource.oauth2PermissionScopes ?? []).map((x) => x.value);
    for (const v of g.scope.split(/\s+/).filter((w) => w !== '')) {
      if (exposedScopes.length > 0 && !exposedScopes.includes(v)) return fail(['oauth2PermissionGrants', i, 'scope'], `the application '${resource.displayName}' exposes no delegated scope '${v}' (it has: ${exposedScopes.join(', ')}).`);
    }
    const clientSp = client.servicePrincipalId ?? servicePrincipalIdFor(tenantId, client.appId);
    const resourceSp = resource.servicePrincipalId ?? servicePrincipalIdFor(tenantId, resource.appId);
    put({
      kind: 'oauth2PermissionGrant',
      objectId: stableId(tenantId, 'oauth2-permission-grant', clientSp, resourceSp, consentType, principalId ?? ''),
      appId: '',
      displayName: `${client.displayName} → ${resource.displayName}: ${g.scope}`,
      tenantId,
      permissionGrant: { clientId: clientSp, consentType, principalId, resourceId: resourceSp, scope: g.scope },
      origin,
    });
  });
  return [...planned.values()];
}

/**
 * An application's federated identity credentials as declared (ids stable per app and name), held to Graph's rule
 * (federated-credential-rule.ts, the same as the Graph Bicep extension's); an app that declares none keeps those the
 * store holds (e.g. deployed through the Graph Bicep extension).
 */
function federatedCredentials(
  a: DirectoryFileApplication,
  i: number,
  tenantId: string,
  appId: string,
  before: DirectoryObject | undefined,
  fail: (path: Array<string | number>, message: string) => never,
): Pick<DirectoryObject, 'federatedIdentityCredentials'> {
  if (a.federatedIdentityCredentials === undefined) return before?.federatedIdentityCredentials ? { federatedIdentityCredentials: before.federatedIdentityCredentials } : {};
  const names = new Set<string>();
  const accepted: Array<{ issuer: string; subject: string }> = [];
  return {
    federatedIdentityCredentials: a.federatedIdentityCredentials.map((c, j) => {
      const at = ['applications', i, 'federatedIdentityCredentials', j];
      if (names.has(lower(c.name))) fail([...at, 'name'], `the federated identity credential name '${c.name}' is declared twice.`);
      names.add(lower(c.name));
      const candidate = { ...c, audiences: c.audiences ?? [TOKEN_EXCHANGE_AUDIENCE] };
      const refusal = federatedCredentialRefusal(candidate, accepted);
      if (refusal) fail(refusal.property ? [...at, refusal.property] : at, refusal.message);
      accepted.push(candidate);
      return {
        id: stableId(tenantId, 'federated-credential', appId, c.name),
        name: c.name,
        issuer: c.issuer,
        subject: c.subject,
        audiences: [...candidate.audiences],
        ...(c.description === undefined ? {} : { description: c.description }),
      };
    }),
  };
}

function existingApp(objects: readonly DirectoryObject[], displayName: string): DirectoryObject | undefined {
  const matches = objects.filter((o) => o.kind === 'application' && lower(o.displayName) === lower(displayName));
  return matches.length === 1 ? matches[0] : undefined;
}

function formatWhere(loc: { file?: string; line?: number; column?: number; jsonPath?: string }): string {
  return `${loc.file ? `${loc.file}:` : 'line '}${loc.line ?? '?'}:${loc.column ?? '?'} (${loc.jsonPath ?? ''})`;
}

/** Write planned objects in one transaction (all or nothing) and log what was declared. */
export function applyDirectoryObjects(store: Store, objects: readonly DirectoryObject[], logger: Logger): void {
  // Objects that are already stored as planned are not written again (no transaction at all when nothing changed:
  // every start applies the CLI principal, and a commit is a disk sync).
  const changed = objects.filter((o) => {
    const stored = store.getDirectoryObject(o.objectId);
    return stored === undefined || JSON.stringify(stored) !== JSON.stringify(o);
  });
  if (changed.length > 0) {
    store.transaction((tx) => {
      for (const o of changed) tx.putDirectoryObject(o);
    });
  }
  const count = (k: DirectoryObject['kind']) => objects.filter((o) => o.kind === k).length;
  logger.info('directory applied', {
    applications: count('application'),
    users: count('user'),
    groups: count('group'),
    appRoleAssignments: count('appRoleAssignment'),
  });
}
