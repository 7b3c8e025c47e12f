import type { DirectoryObject, Store } from '../../state/index.js';
import { firstPartyClient } from './first-party-clients.js';

const lower = (s: string | undefined) => (s ?? '').toLowerCase();
/** Identifier URIs and app ids compare without trailing `/` and case-insensitively. */
export const canonicalResource = (uri: string): string => uri.replace(/\/+$/, '').toLowerCase();

interface Snapshot {
  tenants: Set<string>;
  /** tenant → appId → application */
  apps: Map<string, Map<string, DirectoryObject>>;
  /** tenant → canonical identifier URI → application */
  uris: Map<string, Map<string, DirectoryObject>>;
  /** tenant → lower UPN → user */
  users: Map<string, Map<string, DirectoryObject>>;
  byObjectId: Map<string, DirectoryObject>;
  /** member object id → group ids that list it directly */
  memberOf: Map<string, string[]>;
  /** principal object id → assignments */
  assignments: Map<string, DirectoryObject[]>;
  managedIdentities: DirectoryObject[];
  /** client service principal id → its oauth2PermissionGrants */
  permissionGrants: Map<string, DirectoryObject[]>;
}

function bucket<V>(m: Map<string, Map<string, V>>, tenant: string): Map<string, V> {
  let b = m.get(tenant);
  if (!b) m.set(tenant, (b = new Map()));
  return b;
}

/**
 * A read model of the directory, rebuilt lazily after any directory change (the store tells us), so
 * the token endpoint looks objects up in maps instead of scanning and parsing every row per request.
 */
export class DirectoryIndex {
  readonly #store: Store;
  readonly #defaultTenant: string;
  #snap: Snapshot | undefined;
  readonly #unsubscribe: () => void;

  constructor(store: Store, defaultTenantId: string) {
    this.#store = store;
    this.#defaultTenant = defaultTenantId.toLowerCase();
    this.#unsubscribe = store.onChange((changes) => {
      if (changes.some((c) => c.kind === 'directory')) this.#snap = undefined;
    });
  }

  close(): void {
    this.#unsubscribe();
  }

  #get(): Snapshot {
    if (this.#snap) return this.#snap;
    const s: Snapshot = {
      tenants: new Set([this.#defaultTenant]),
      apps: new Map(),
      uris: new Map(),
      users: new Map(),
      byObjectId: new Map(),
      memberOf: new Map(),
      assignments: new Map(),
      managedIdentities: [],
      permissionGrants: new Map(),
    };
    for (const o of this.#store.listDirectoryObjects()) {
      const t = lower(o.tenantId) || this.#defaultTenant;
      s.tenants.add(t);
      s.byObjectId.set(lower(o.objectId), o);
      switch (o.kind) {
        case 'application':
          bucket(s.apps, t).set(lower(o.appId), o);
          for (const u of o.identifierUris ?? []) bucket(s.uris, t).set(canonicalResource(u), o);
          if (o.servicePrincipalId) s.byObjectId.set(lower(o.servicePrincipalId), o);
          break;
        case 'user':
          bucket(s.users, t).set(lower(o.userPrincipalName), o);
          break;
        case 'group':
          for (const m of o.members ?? []) {
            const list = s.memberOf.get(lower(m)) ?? [];
            list.push(o.objectId);
            s.memberOf.set(lower(m), list);
          }
          break;
        case 'appRoleAssignment':
          if (o.assignment) {
            const k = lower(o.assignment.principalId);
            s.assignments.set(k, [...(s.assignments.get(k) ?? []), o]);
          }
          break;
        case 'managedIdentity':
          s.managedIdentities.push(o);
          break;
        case 'oauth2PermissionGrant':
          if (o.permissionGrant) {
            const k = lower(o.permissionGrant.clientId);
            s.permissionGrants.set(k, [...(s.permissionGrants.get(k) ?? []), o]);
          }
          break;
      }
    }
    this.#snap = s;
    return s;
  }

  /** The default tenant and every tenant a directory object lives in (lower-case ids). */
  isTenant(tenantId: string): boolean {
    return this.#get().tenants.has(lower(tenantId));
  }

  tenants(): string[] {
    return [...this.#get().tenants];
  }

  /** The delegated permission grants (Graph `oauth2PermissionGrant`) whose client is this service principal. */
  permissionGrants(clientServicePrincipalId: string): DirectoryObject[] {
    return this.#get().permissionGrants.get(lower(clientServicePrincipalId)) ?? [];
  }

  /**
   * The app registration with this client id in this tenant; else Microsoft's first-party public clients (the Azure
   * CLI, Azure PowerShell), which every tenant knows.
   */
  application(tenantId: string, appId: string): DirectoryObject | undefined {
    return this.#get().apps.get(lower(tenantId))?.get(lower(appId)) ?? (this.isTenant(tenantId) ? firstPartyClient(tenantId, appId) : undefined);
  }

  /**
   * The tenant a request to `common`/`organizations` runs in for this client: the one tenant that registers it; a
   * first-party public client registered nowhere → the default tenant (the twin has no home-realm discovery).
   */
  clientHomeTenant(clientId: string | undefined): string | undefined {
    if (clientId === undefined) return undefined;
    const homes = this.tenants().filter((t) => this.registeredApplication(t, clientId));
    if (homes.length === 1) return homes[0];
    return homes.length === 0 && firstPartyClient(this.#defaultTenant, clientId) ? this.#defaultTenant : undefined;
  }

  /** Only the tenant's own registrations (no first-party client): where a client id is declared. */
  registeredApplication(tenantId: string, appId: string): DirectoryObject | undefined {
    return this.#get().apps.get(lower(tenantId))?.get(lower(appId));
  }

  /** The application a resource names (appId or one of its identifierUris; trailing `/` and case ignored). */
  resourceApplication(tenantId: string, resource: string): DirectoryObject | undefined {
    const c = canonicalResource(resource);
    if (c === '') return undefined;
    const t = lower(tenantId);
    return this.#get().apps.get(t)?.get(c) ?? this.#get().uris.get(t)?.get(c);
  }

  user(tenantId: string, upn: string): DirectoryObject | undefined {
    return this.#get().users.get(lower(tenantId))?.get(lower(upn));
  }

  users(tenantId: string): DirectoryObject[] {
    return [...(this.#get().users.get(lower(tenantId))?.values() ?? [])].sort((a, b) => lower(a.userPrincipalName).localeCompare(lower(b.userPrincipalName)));
  }

  object(objectId: string): DirectoryObject | undefined {
    return this.#get().byObjectId.get(lower(objectId));
  }

  managedIdentities(): readonly DirectoryObject[] {
    return this.#get().managedIdentities;
  }

  /** Object ids of every group `objectId` belongs to, directly or through nested groups. */
  groupsOf(objectId: string): string[] {
    const s = this.#get();
    const seen = new Set<string>();
    const out: string[] = [];
    const stack = [lower(objectId)];
    while (stack.length > 0) {
      for (const g of s.memberOf.get(stack.pop()!) ?? []) {
        if (seen.has(lower(g))) continue;
        seen.add(lower(g));
        out.push(g);
        stack.push(lower(g));
      }
    }
    return out;
  }

  /**
   * App role values of `resourceApp` assigned to the principal or to any of its groups (Entra puts
   * roles granted through group membership into the token too).
   */
  roles(principalObjectId: string, resourceApp: DirectoryObject | undefined): string[] {
    if (!resourceApp) return [];
    const s = this.#get();
    const ids = [principalObjectId, ...this.groupsOf(principalObjectId)];
    const roleIds = new Set<string>();
    for (const id of ids) {
      for (const a of s.assignments.get(lower(id)) ?? []) {
        if (a.assignment && lower(a.assignment.resourceAppId) === lower(resourceApp.appId)) roleIds.add(lower(a.assignment.appRoleId));
      }
    }
    return (resourceApp.appRoles ?? []).filter((r) => roleIds.has(lower(r.id))).map((r) => r.value);
  }
}
