import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Store } from '../state/index.js';
import { normalizeAuthSettings } from '../easyauth/index.js';
import { describeError } from '../core/index.js';
import { during, type DecisionLog, type DecisionRecord } from './decision-log.js';
import type { ReadyInfo } from './ready-info.js';
import { siteViews } from './site-config.js';
import type { ComposedRequest, ComposedResult, Composer, ReplayView } from './console-composer.js';

/**
 * What the web console (src/console) may read of a running twin: read-only views computed when a page is asked for,
 * from what the runtime already keeps (the store, the ready projection, the decision records, the key ring). Nothing
 * here adds work to a request; nothing here carries a secret (key values, client secrets, tokens): names, ids,
 * settings and times only.
 */
export interface ConsoleSource {
  /** A secret the console's link carries (`?console-key=`): without it (or its cookie) the console shows nothing. Undefined: open (`--no-auth`). */
  readonly consoleKey: string | undefined;
  ready(): ReadyInfo;
  resources(): Array<{ id: string; type: string; name: string }>;
  chain(): ChainView;
  /** The last `n` requests from outside the twin, oldest first: each with the site requests its backend calls made. */
  requests(n: number): RequestGroup[];
  signingKeys(): { signingKid: string; keys: Array<{ kid: string; publishedAt: string; activatesAt: string; removeAt?: string }> };
  directory(): DirectoryView;
  /**
   * Send one request from the console's composer through the twin's own listeners (the gateway or the site, by its
   * Azure host name), optionally with a token the twin mints; answers what the console may show (secrets hidden).
   */
  send(request: ComposedRequest): Promise<ComposedResult>;
  /**
   * A past request from outside (one of `requests()`), ready to send again from the composer: its target, method, URL,
   * headers and body, without the parts that carry a secret. Undefined when the twin no longer keeps it.
   */
  replay(requestId: string): ReplayView | undefined;
}

/** The twin's Entra ID directory, names and ids only: how many credentials an app has, never their (hashed) values. */
export interface DirectoryView {
  applications: Array<{ displayName: string; appId: string; objectId: string; identifierUris: string[]; tokenVersion: 1 | 2; appRoles: string[]; secrets: number; certificates: number; origin?: string }>;
  managedIdentities: Array<{ displayName: string; clientId: string; principalId: string; resourceId?: string }>;
  users: Array<{ userPrincipalName: string; displayName: string; objectId: string }>;
  groups: Array<{ displayName: string; objectId: string; members: number }>;
  appRoleAssignments: Array<{ principal: string; resource: string; role: string }>;
}

/** A request from outside the twin and the requests it caused (a gateway call's site hops). */
export interface RequestGroup {
  top: DecisionRecord;
  hops: DecisionRecord[];
  /** The twin still keeps the request itself: the composer can send it again (`ConsoleSource.replay`). */
  replayable?: boolean;
}

export interface ChainView {
  services: Array<{
    name: string;
    hostName: string;
    /** Its custom gateway host names (ready file's `customHostNames`). */
    customHostNames?: string[];
    gatewayUrl: string;
    principalId?: string;
    clientId?: string;
    apis: Array<{ name: string; path: string; serviceUrl?: string; site?: string; operations: Array<{ method: string; urlTemplate: string }> }>;
  }>;
  sites: SiteChainView[];
}

export interface SiteChainView {
  name: string;
  hostName: string;
  /** Its custom domains (host name bindings). */
  customHostNames?: string[];
  url: string;
  kind?: string;
  principalId?: string;
  easyAuth: EasyAuthSummary | undefined;
  /** HTTP-triggered functions and the names of the keys that open them (never their values). */
  functions: Array<{ name: string; authLevel: string; route: string; keyNames: string[] }>;
  hostKeys: { master: boolean; functionKeyNames: string[] } | undefined;
}

/** The Easy Auth settings a caller's token meets, as App Service reads them (normalised authsettingsV2). */
export interface EasyAuthSummary {
  enabled: boolean;
  requireAuthentication: boolean;
  unauthenticatedClientAction: string;
  issuer?: string;
  clientId?: string;
  allowedAudiences: string[];
  allowedApplications?: string[];
  allowedIdentities?: string[];
  allowedGroups?: string[];
  excludedPaths: string[];
  /** The settings did not read (should not happen: the providers refuse them at deployment). */
  error?: string;
}

export type ConsoleHandler = (req: IncomingMessage, res: ServerResponse) => void;
/** Makes the console's request handler (src/console's `createConsole`), given what it may read. */
export type ConsoleFactory = (source: ConsoleSource) => ConsoleHandler;

export function createConsoleSource(deps: {
  store: Store;
  ready: () => ReadyInfo;
  decisions: DecisionLog;
  signingKeys: ConsoleSource['signingKeys'];
  consoleKey: string | undefined;
  composer: Composer;
}): ConsoleSource {
  const { store } = deps;
  return {
    consoleKey: deps.consoleKey,
    ready: deps.ready,
    signingKeys: deps.signingKeys,
    resources: () => store.listResources().map((r) => ({ id: r.id, type: r.type, name: r.name })),
    requests: (n) => groupRequests(deps.decisions.requests(n)).map((g) => (deps.composer.canReplay(g.top.requestId) ? { ...g, replayable: true } : g)),
    chain: () => chainView(store, deps.ready()),
    directory: () => directoryView(store),
    send: (request) => deps.composer.send(request),
    replay: (requestId) => deps.composer.replay(requestId),
  };
}

function directoryView(store: Store): DirectoryView {
  const all = store.listDirectoryObjects();
  const byObjectId = new Map(all.map((o) => [o.objectId, o]));
  const apps = all.filter((o) => o.kind === 'application');
  const appByAppId = new Map(apps.map((a) => [a.appId.toLowerCase(), a]));
  const nameOf = (objectId: string) => {
    const o = byObjectId.get(objectId) ?? apps.find((a) => a.servicePrincipalId === objectId);
    return o ? `${o.userPrincipalName ?? o.displayName} (${o.kind === 'application' ? 'service principal' : o.kind})` : objectId;
  };
  return {
    applications: apps.map((a) => ({
      displayName: a.displayName,
      appId: a.appId,
      objectId: a.objectId,
      identifierUris: a.identifierUris ?? [],
      tokenVersion: a.accessTokenAcceptedVersion === 2 ? 2 : 1,
      appRoles: (a.appRoles ?? []).map((r) => r.value),
      secrets: a.passwordCredentials?.length ?? 0,
      certificates: a.keyCredentials?.length ?? 0,
      ...(a.origin ? { origin: a.origin } : {}),
    })),
    managedIdentities: all.filter((o) => o.kind === 'managedIdentity').map((m) => ({ displayName: m.displayName, clientId: m.appId, principalId: m.objectId, ...(m.resourceId ? { resourceId: m.resourceId } : {}) })),
    users: all.filter((o) => o.kind === 'user').map((u) => ({ userPrincipalName: u.userPrincipalName ?? '', displayName: u.displayName, objectId: u.objectId })),
    groups: all.filter((o) => o.kind === 'group').map((g) => ({ displayName: g.displayName, objectId: g.objectId, members: g.members?.length ?? 0 })),
    appRoleAssignments: all.flatMap((o) => {
      if (o.kind !== 'appRoleAssignment' || !o.assignment) return [];
      const app = appByAppId.get(o.assignment.resourceAppId.toLowerCase());
      const role = app?.appRoles?.find((r) => r.id === o.assignment!.appRoleId)?.value ?? o.assignment.appRoleId;
      return [{ principal: nameOf(o.assignment.principalId), resource: app?.displayName ?? o.assignment.resourceAppId, role }];
    }),
  };
}

/** Records as `DecisionLog.requests` gives them → one group per outside request (a site record inside a gateway request's time is its hop). */
export function groupRequests(records: DecisionRecord[]): RequestGroup[] {
  const gateways = records.filter((r) => r.kind === 'apim');
  const hopOf = (r: DecisionRecord) => gateways.find((g) => during(g, r));
  const groups = new Map<DecisionRecord, RequestGroup>();
  for (const r of records) if (!hopOf(r)) groups.set(r, { top: r, hops: [] });
  for (const r of records) {
    const g = hopOf(r);
    if (g) groups.get(g)?.hops.push(r);
  }
  return [...groups.values()];
}

function chainView(store: Store, ready: ReadyInfo): ChainView {
  // A backend names a site by its default host name or by one of its custom domains (a wildcard covers one label).
  const siteByHost = new Map(Object.entries(ready.sites).flatMap(([name, s]) => [s.hostName, ...(s.customHostNames ?? [])].map((h): [string, string] => [h.toLowerCase(), name])));
  const siteOf = (host: string) => siteByHost.get(host) ?? (host.indexOf('.') > 0 ? siteByHost.get(`*${host.slice(host.indexOf('.'))}`) : undefined);
  const apis = store.listResources({ type: 'Microsoft.ApiManagement/service/apis' });
  const services = Object.entries(ready.apim).map(([name, s]) => ({
    name,
    hostName: s.hostName,
    ...(s.customHostNames ? { customHostNames: s.customHostNames } : {}),
    gatewayUrl: s.gatewayUrl,
    ...(s.principalId ? { principalId: s.principalId } : {}),
    ...(s.clientId ? { clientId: s.clientId } : {}),
    apis: s.apis.map((a) => {
      const stored = apis.find((r) => r.name.toLowerCase() === `${name}/${a.name}`.toLowerCase());
      const serviceUrl = typeof stored?.properties['serviceUrl'] === 'string' ? stored.properties['serviceUrl'] : undefined;
      let site: string | undefined;
      try {
        site = serviceUrl ? siteOf(new URL(serviceUrl).hostname.toLowerCase()) : undefined;
      } catch {
        site = undefined;
      }
      return { name: a.name, path: a.path, ...(serviceUrl ? { serviceUrl } : {}), ...(site ? { site } : {}), operations: a.operations.map((o) => ({ method: o.method, urlTemplate: o.urlTemplate })) };
    }),
  }));
  const sites = siteViews(store).map((v): SiteChainView => {
    const readySite = ready.sites[v.name];
    const isFunctionApp = /functionapp/i.test(v.resource.kind ?? '');
    return {
      name: v.name,
      hostName: v.hostName,
      ...(readySite?.customHostNames ? { customHostNames: readySite.customHostNames } : {}),
      url: readySite?.url ?? '',
      ...(v.resource.kind ? { kind: v.resource.kind } : {}),
      ...(v.resource.identity?.principalId ? { principalId: v.resource.identity.principalId } : {}),
      easyAuth: v.authSettings === undefined ? undefined : summarize(v.authSettings),
      functions: v.functions.map((f) => ({
        name: f.name,
        authLevel: f.authLevel,
        route: f.route,
        keyNames: Object.keys((store.getResource(`${v.resource.id}/functions/${f.name}`)?.listResults?.['listkeys'] ?? {}) as object),
      })),
      hostKeys: isFunctionApp ? hostKeyNames(v.resource.listResults?.['host/default/listkeys']) : undefined,
    };
  });
  return { services, sites };
}

function hostKeyNames(listed: unknown): { master: boolean; functionKeyNames: string[] } {
  const k = (listed ?? {}) as { masterKey?: unknown; functionKeys?: unknown };
  return { master: typeof k.masterKey === 'string', functionKeyNames: k.functionKeys && typeof k.functionKeys === 'object' ? Object.keys(k.functionKeys) : [] };
}

function summarize(settings: unknown): EasyAuthSummary {
  try {
    const s = normalizeAuthSettings(settings);
    const aad = s.identityProviders.azureActiveDirectory;
    const v = aad?.validation;
    return {
      enabled: s.platform.enabled,
      requireAuthentication: s.globalValidation.requireAuthentication,
      unauthenticatedClientAction: s.globalValidation.unauthenticatedClientAction,
      ...(aad?.registration.openIdIssuer ? { issuer: aad.registration.openIdIssuer } : {}),
      ...(aad?.registration.clientId ? { clientId: aad.registration.clientId } : {}),
      allowedAudiences: v?.allowedAudiences ?? [],
      ...(v?.defaultAuthorizationPolicy.allowedApplications ? { allowedApplications: v.defaultAuthorizationPolicy.allowedApplications } : {}),
      ...(v?.defaultAuthorizationPolicy.allowedPrincipals.identities ? { allowedIdentities: v.defaultAuthorizationPolicy.allowedPrincipals.identities } : {}),
      ...(v?.jwtClaimChecks.allowedGroups ? { allowedGroups: v.jwtClaimChecks.allowedGroups } : {}),
      excludedPaths: s.globalValidation.excludedPaths,
    };
  } catch (e) {
    return { enabled: false, requireAuthentication: false, unauthenticatedClientAction: '-', allowedAudiences: [], excludedPaths: [], error: describeError(e) };
  }
}
