import { missingManagedIdentity, type CompiledApi, type CompiledOperation } from '../gateway/index.js';
import type { OfflineService, OfflineTwin, SiteDecision, SiteView } from '../runtime/index.js';
import type { SourceLocation } from '../core/index.js';
import { backendCalls, MAX_PATHS, type BackendCall, type Condition, type ManagedIdentityCall, type Rewrite } from './policy-facts.js';
import { staticContext } from './static-context.js';
import { siteOfHost, type SiteHost } from './site-hosts.js';
import { issuerOf, issuerVersionMismatch, type IssuerVersionMismatch } from './issuer-version.js';
import { finding, type Finding } from './rules.js';
import type { LintLocation, SourceMap } from './source-map.js';

const AAD = 'properties.identityProviders.azureActiveDirectory';
/** The authsettingsV2 property each Easy Auth step reads (where a refusal points). */
const SETTING_OF_STEP: Record<string, string> = {
  platform: 'properties.platform',
  'require-https': 'properties.httpSettings.requireHttps',
  config: `${AAD}.registration.openIdIssuer`,
  issuer: `${AAD}.registration.openIdIssuer`,
  audience: `${AAD}.validation.allowedAudiences`,
  'allowed-applications': `${AAD}.validation.defaultAuthorizationPolicy.allowedApplications`,
  'allowed-principals': `${AAD}.validation.defaultAuthorizationPolicy.allowedPrincipals`,
  'client-service-principal': `${AAD}.validation.defaultAuthorizationPolicy.allowedPrincipals`,
  'jwt-allowed-client-applications': `${AAD}.validation.jwtClaimChecks.allowedClientApplications`,
  'jwt-allowed-groups': `${AAD}.validation.jwtClaimChecks.allowedGroups`,
  credential: 'properties.globalValidation',
  'unauthenticated-action': 'properties.globalValidation.unauthenticatedClientAction',
  anonymous: 'properties.globalValidation',
};

/** The site's refusal as `trustline explain` and the site's log say it: its failed steps, `step: reason; …`. */
export function refusalReason(d: SiteDecision): string {
  const failed = d.steps.filter((s) => !s.ok).map((s) => `${s.step}: ${s.reason}`);
  return failed.join('; ') || d.errorCode || d.outcome;
}

const refused = (d: SiteDecision) => d.outcome === 'rejected' || d.outcome === 'error' || d.outcome === 'redirect-https';
const anonymousIn = (d: SiteDecision) => d.outcome === 'forwarded-anonymous' || d.outcome === 'pass-through';
const keysRefused = (d: SiteDecision) => d.steps.some((s) => s.step === 'function-keys' && !s.ok);

function claimsOf(token: string): Record<string, unknown> {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** What to change, by the Easy Auth step that refused the token. */
function fixFor(step: string | undefined, claims: Record<string, unknown>, site: SiteView, call: ManagedIdentityCall): string {
  const clientId = (site.authSettings as { identityProviders?: { azureActiveDirectory?: { registration?: { clientId?: string } } } } | undefined)
    ?.identityProviders?.azureActiveDirectory?.registration?.clientId;
  const app = String(claims.appid ?? claims.azp ?? '?');
  switch (step) {
    case 'audience':
      return `Add '${String(claims.aud)}' to validation.allowedAudiences of the site's authsettingsV2${clientId ? `, or set the policy's resource to the site's clientId '${clientId}'` : ''}.`;
    case 'issuer':
      return `Make registration.openIdIssuer accept the token's issuer '${String(claims.iss)}' (v1 tokens: https://sts.windows.net/{tenant}/, v2: https://login.microsoftonline.com/{tenant}/v2.0; the app registration's accessTokenAcceptedVersion decides which one '${call.resource}' gets).`;
    case 'allowed-applications':
      return `Add APIM's managed identity client id '${app}' to validation.defaultAuthorizationPolicy.allowedApplications.`;
    case 'allowed-principals':
    case 'client-service-principal':
      return `Add APIM's managed identity object id '${String(claims.oid)}' to validation.defaultAuthorizationPolicy.allowedPrincipals.identities.`;
    case 'jwt-allowed-client-applications':
      return `Add APIM's managed identity client id '${app}' to validation.jwtClaimChecks.allowedClientApplications.`;
    case 'jwt-allowed-groups':
      return "A managed identity's token carries no groups claim: drop validation.jwtClaimChecks.allowedGroups or let the identity in another way.";
    case 'config':
      return `Make registration.openIdIssuer name the tenant that issues APIM's token ('${String(claims.iss)}'), whose OIDC metadata Easy Auth reads.`;
    case 'require-https':
      return "Call the site over https (the API's serviceUrl or set-backend-service base-url).";
    default:
      return "Make the site's authsettingsV2 accept APIM's managed identity token.";
  }
}

interface Context {
  twin: OfflineTwin;
  map: SourceMap;
  sites: SiteView[];
  /** What one lint already asked (site calls, tokens): paths through `<choose>` often ask the same. */
  memo: Map<string, Promise<unknown>>;
  /** Every host name that reaches a site: default host names and custom domains. */
  hosts: ReadonlyMap<string, SiteHost>;
  out: Finding[];
}

/**
 * The site a backend URL reaches, when it is one of the deployment: `https://<site>.azurewebsites.net/...`, or a custom
 * domain bound to the site (lint/site-hosts.ts).
 */
function siteOf(hosts: ReadonlyMap<string, SiteHost>, url: string | undefined): (SiteHost & { url: URL }) | undefined {
  if (!url) return undefined;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  const found = siteOfHost(hosts, u.hostname);
  return found ? { ...found, url: u } : undefined;
}

/**
 * The URL the gateway's forward-request calls for an operation: the backend base, then the operation's own path — or
 * the `rewrite-uri` template, its `{param}`s filled from the operation's matched parameters as the gateway fills
 * them (policies/rewrite-uri.ts: a parameter the operation does not have is empty) — without the query (Easy Auth's
 * excludedPaths and function routes ignore it). Template parameters are given the value `1`.
 */
function backendUrl(base: URL, op: CompiledOperation, rewrite: Rewrite | undefined): URL {
  const own = op.config.urlTemplate.split('?')[0]!;
  const params = new Set([...own.matchAll(/\{\*?([^}=]+)[^}]*\}/g)].map((m) => m[1]!));
  const path = (rewrite ? rewrite.template.replace(/\{([^}]+)\}/g, (_m, p: string) => (params.has(p) ? '1' : '')) : own.replace(/\{[^}]*\}/g, '1')).split('?')[0]!;
  const u = new URL(base.toString());
  u.pathname = `${u.pathname.replace(/\/$/, '')}/${path.replace(/^\//, '')}`;
  u.search = '';
  return u;
}

function authSettingsId(site: SiteView, map: SourceMap): string {
  const v2 = `${site.resource.id}/config/authsettingsV2`;
  return map.resource(v2) ? v2 : map.resource(`${site.resource.id}/config/authsettings`) ? `${site.resource.id}/config/authsettings` : site.resource.id;
}

/** Where the site's setting `path` stands (the authsettingsV2 resource, else the site). */
function siteSetting(ctx: Context, site: SiteView, path: string | undefined): LintLocation | undefined {
  const id = authSettingsId(site, ctx.map);
  if (id === site.resource.id) return ctx.map.property(id, '');
  return ctx.map.property(id, path ?? '');
}

/** The API's own policy (or the API) when no element names the cause. */
function apiLocation(ctx: Context, svc: OfflineService, api: CompiledApi): LintLocation | undefined {
  return ctx.map.property(`${api.config.id}/policies/policy`, 'properties.value') ?? ctx.map.property(api.config.id, 'properties.serviceUrl') ?? ctx.map.property(svc.resource.id, '');
}

/**
 * The chain rules over one APIM service: for each operation whose backend is a site of the deployment, the token the
 * effective policy attaches (minted by the identity subsystem as the gateway gets it) goes through that site's Easy
 * Auth (the runtime's own site handler); each refusal is a finding with Easy Auth's reason. A policy with `<choose>`
 * is checked on every path the deployment does not rule out (policy-facts.ts backendCalls).
 */
export async function checkService(ctx: Context, svc: OfflineService): Promise<void> {
  for (const api of svc.compiled.apis) {
    if (!api.isCurrent) continue;
    for (const op of api.operations) {
      // A product's policy applies to calls with that product's subscription: its pipeline is checked where the
      // backend calls it makes differ from the API's own.
      const seen = new Set<string>();
      for (const [product, pipeline] of [[undefined, op.pipeline] as const, ...op.productPipelines]) {
        const context = staticContext(svc.compiled, api, op, product);
        const { calls, truncated } = backendCalls(pipeline, { service: svc.compiled, config: svc.config, serviceUrl: api.config.serviceUrl, context });
        const key = JSON.stringify(calls.map(callKey));
        if (seen.has(key)) continue;
        seen.add(key);
        await checkPaths(ctx, svc, api, op, calls, product === undefined ? '' : ` (product '${product}')`);
        if (truncated) {
          ctx.out.push(finding('TL010', `API '${api.config.name}' of APIM '${svc.resource.name}': the policy has more than ${MAX_PATHS} paths through its <choose> elements; only the first ${MAX_PATHS} are checked.`, [apiLocation(ctx, svc, api)]));
        }
      }
    }
  }
}

/**
 * Every path's call is checked; a finding every path has is reported as it is, one only some paths have says on
 * which paths ("When the condition at 12:9 is false: …") and points at those conditions too.
 */
async function checkPaths(ctx: Context, svc: OfflineService, api: CompiledApi, op: CompiledOperation, calls: BackendCall[], scope: string): Promise<void> {
  const groups = new Map<string, { f: Finding; paths: BackendCall[] }>();
  for (const call of calls) {
    const out: Finding[] = [];
    await checkOperation({ ...ctx, out }, svc, api, op, call, scope);
    for (const f of out) {
      const k = JSON.stringify(f);
      const g = groups.get(k) ?? { f, paths: [] };
      g.paths.push(call);
      groups.set(k, g);
    }
  }
  const xml = policyXml(ctx);
  const where = (c: Condition) => ctx.map.policyElement(c.location, svc.resource.id, 'when', xml);
  for (const { f, paths } of groups.values()) {
    if (paths.length === calls.length) {
      ctx.out.push(f);
      continue;
    }
    const text = (p: BackendCall) => p.conditions.map((c) => {
      const at = where(c);
      return `the condition at ${at ? `${at.line}:${at.column}` : `${c.location.line}:${c.location.column}`} is ${c.value}`;
    }).join(' and ');
    const when = paths.map(text).join('; or when ');
    const places = paths.flatMap((p) => p.conditions.map(where)).filter((l): l is LintLocation => l !== undefined);
    const unique = [...new Map([...f.locations, ...places].map((l) => [JSON.stringify(l), l])).values()];
    ctx.out.push({ ...f, message: `When ${when}: ${f.message}`, locations: unique });
  }
}

/** The deployed policy XML of a policy resource (for positions inside it). */
const policyXml = (ctx: Context) => (id: string) => {
  const v = ctx.twin.store.getResource(id)?.properties.value;
  return typeof v === 'string' ? v : undefined;
};

/** What decides an operation's chain, to check each distinct backend call once. */
function callKey(c: BackendCall): string {
  const mi = (m: ManagedIdentityCall | undefined) => m && [m.resource, m.clientId, m.outputVariable, m.ignoreError, m.location];
  return JSON.stringify([mi(c.token), c.calls.map(mi), c.unsent.map(mi), c.baseUrl, c.baseUrlExpression, [...c.headersSet].sort(), c.callerToken, c.rewrite, c.rewriteExpression, c.conditions]);
}

async function checkOperation(ctx: Context, svc: OfflineService, api: CompiledApi, op: CompiledOperation, call: BackendCall, scope: string): Promise<void> {
  const where = (c: { location: SourceLocation }, element = 'authentication-managed-identity') => ctx.map.policyElement(c.location, svc.resource.id, element, policyXml(ctx));
  const apiName = `API '${api.config.name}' of APIM '${svc.resource.name}'${scope}`;
  for (const c of call.calls) {
    if (c.ignoreError) {
      ctx.out.push(finding('TL005', `${apiName}: authentication-managed-identity has ignore-error="true": when the token cannot be had, the request goes on without one and the site answers a bare 401. Remove ignore-error (default false) so that APIM answers 500 with the cause.`, [where(c)]));
    }
  }
  if (call.rewriteExpression) {
    ctx.out.push(finding('TL010', `${apiName}: rewrite-uri builds the backend path through a policy expression; the site is checked with the operation's own path (${op.config.urlTemplate}), which Easy Auth's excludedPaths and the function routes may not match.`, [apiLocation(ctx, svc, api)]));
  }
  if (call.baseUrlExpression) {
    ctx.out.push(finding('TL010', `${apiName}: set-backend-service names its backend through a policy expression; the chain to it is not checked.`, [apiLocation(ctx, svc, api)]));
    return;
  }
  const target = siteOf(ctx.hosts, call.baseUrl);
  if (!target) return;
  const { site } = target;
  const url = backendUrl(target.url, op, call.rewrite);
  const siteName = target.url.hostname.toLowerCase() !== site.hostName ? `site '${site.name}' (custom domain ${target.url.hostname})` : `site '${site.name}'`;
  if (url.protocol === 'http:') {
    ctx.out.push(finding('TL007', `${apiName} calls ${siteName} over plain http (${target.url.origin}): the bearer token travels in clear. Use https in the API's serviceUrl.`, [ctx.map.property(api.config.id, 'properties.serviceUrl')]));
  }
  const anonymous = await callSite(ctx, site, op.method, url, undefined);
  if (anonymousIn(anonymous) && !keysRefused(anonymous)) {
    const excluded = anonymous.steps.some((s) => s.reason.includes('excludedPaths'));
    const rewritten = call.rewrite ? ` (${url.pathname}: rewrite-uri '${call.rewrite.template}')` : ` (${url.pathname})`;
    const fix = excluded
      ? `Take ${url.pathname} out of globalValidation.excludedPaths${call.rewrite ? ', or rewrite to a path it does not list' : ''}.`
      : 'Enable Easy Auth with requireAuthentication and unauthenticatedClientAction Return401.';
    const places = [siteSetting(ctx, site, excluded ? 'properties.globalValidation.excludedPaths' : 'properties.globalValidation'), ...(call.rewrite ? [where(call.rewrite, 'rewrite-uri')] : [])];
    ctx.out.push(finding('TL006', `${siteName} (behind ${apiName}) answers requests without a token${rewritten} (${anonymous.outcome}: ${anonymous.steps.map((s) => `${s.step}: ${s.reason}`).join('; ')}): anyone can call it around APIM. ${fix}`, places));
  }

  let token: string | undefined;
  const sent = call.token;
  if (sent) {
    if (sent.expression) {
      ctx.out.push(finding('TL010', `${apiName}: the ${sent.expression} of authentication-managed-identity is a policy expression; the token it gets is not checked.`, [where(sent)]));
      return;
    }
    const missing = missingManagedIdentity(svc.config.identity, sent.clientId);
    if (missing) {
      ctx.out.push(finding('TL003', `${apiName}: ${missing} Give the service ${sent.clientId ? `the user-assigned identity '${sent.clientId}'` : 'a system-assigned identity ("identity": {"type": "SystemAssigned"})'} or name one it has.`, [where(sent), ctx.map.property(svc.resource.id, 'identity')]));
      return;
    }
    try {
      token = await once(ctx, ['token', svc.resource.id, sent.resource, sent.clientId], () => ctx.twin.managedIdentityToken(svc.resource.id, sent.resource, sent.clientId));
    } catch (e) {
      ctx.out.push(finding('TL004', `${apiName}: Entra ID refuses the managed identity's token for resource '${sent.resource}': ${(e as Error).message} Use the site's application id (its authsettingsV2 clientId) or an identifier URI of its app registration.`, [where(sent)]));
      return;
    }
  }
  // A token kept in a variable that no set-header sends matters only when no other token reaches the site: with one
  // (another authentication-managed-identity on the same path), the variable may serve a send-request or nothing.
  for (const c of sent ? [] : call.unsent) {
    ctx.out.push(finding('TL002', `${apiName}: the token of authentication-managed-identity goes to the variable '${c.outputVariable}', which no set-header Authorization sends: ${siteName} gets no token. Add <set-header name="Authorization" exists-action="override"><value>@("Bearer " + (string)context.Variables["${c.outputVariable}"])</value></set-header>.`, [where(c)]));
  }
  const decision = token ? await callSite(ctx, site, op.method, url, token) : anonymous;
  const mismatch = token && sent ? issuerVersionMismatch(site, claimsOf(token)) : undefined;
  if (mismatch && sent) {
    // The twin's Easy Auth refuses it with compat.easyAuth.issuerMode 'exact' (error), accepts it with
    // 'tenant-any-version' (warning): Azure's answer is the strict one (docs/behaviour/easyauth.md §4.2).
    const refusedHere = decision.steps.some((s) => s.step === 'issuer' && !s.ok);
    ctx.out.push(issuerFinding(apiName, siteName, sent, mismatch, refusedHere ? refusalReason(decision) : undefined, [where(sent), siteSetting(ctx, site, SETTING_OF_STEP.issuer)]));
    if (refusedHere) return;
  }
  if (refused(decision)) {
    const failedStep = decision.steps.find((s) => !s.ok)?.step;
    const setting = siteSetting(ctx, site, failedStep ? SETTING_OF_STEP[failedStep] : undefined);
    const answer = `${decision.status ?? 500}`;
    if (token && sent) {
      const claims = claimsOf(token);
      ctx.out.push(finding('TL001', `${apiName}: ${siteName} answers ${answer} to APIM's managed identity token for resource '${sent.resource}' (${refusalReason(decision)}). ${fixFor(failedStep, claims, site, sent)}`, [where(sent), setting]));
    } else if (call.callerToken) {
      ctx.out.push(finding('TL010', `${apiName}: the request carries the caller's own token (validated by validate-jwt / validate-azure-ad-token and passed on in Authorization); whether ${siteName} accepts it depends on the caller, and is not checked.`, [apiLocation(ctx, svc, api)]));
    } else if (call.unsent.length === 0) {
      const clientId = (site.authSettings as { identityProviders?: { azureActiveDirectory?: { registration?: { clientId?: string } } } } | undefined)?.identityProviders?.azureActiveDirectory?.registration?.clientId;
      ctx.out.push(finding('TL002', `${apiName}: ${siteName} answers ${answer} to APIM's request, which carries no token (${refusalReason(decision)}). Add <authentication-managed-identity resource="${clientId ?? '<the site\'s application id>'}"/> to the API's inbound policy.`, [apiLocation(ctx, svc, api), setting]));
    }
    return;
  }
  if (keysRefused(decision) && !call.headersSet.has('x-functions-key')) {
    ctx.out.push(finding('TL008', `${apiName}: ${siteName} lets APIM in, but the function answers 401 (${refusalReason(decision)}). Send the key (set-header x-functions-key from a named value) or make the function's authLevel anonymous.`, [apiLocation(ctx, svc, api)]));
  }
}

/** TL011: the token's version is not the one the site's openIdIssuer expects (`refusal`: the twin refused it too). */
function issuerFinding(apiName: string, siteName: string, sent: ManagedIdentityCall, m: IssuerVersionMismatch, refusal: string | undefined, places: Array<LintLocation | undefined>): Finding {
  const azure = `"JWT validation failed: IDX10205: Issuer validation failed. Issuer: '${m.iss}'. Did not match: validationParameters.ValidIssuer: '${m.expectedIssuer}'"`;
  const tenant = /\/([0-9a-f-]{36})\//i.exec(m.iss)?.[1] ?? '{tenant}';
  const fix = `Set registration.openIdIssuer to '${issuerOf(m.token, tenant)}' (the ${m.token} issuer), or set accessTokenAcceptedVersion (api.requestedAccessTokenVersion) of the app registration for '${sent.resource}' to ${m.expected === 'v2' ? '2' : 'null or 1'} so that APIM's managed identity gets ${m.expected} tokens.`;
  const head = `${apiName}: ${siteName}'s openIdIssuer '${m.configured}' expects ${m.expected} tokens (iss '${m.expectedIssuer}'), but APIM's managed identity gets a ${m.token} token for resource '${sent.resource}' (iss '${m.iss}').`;
  return refusal !== undefined
    ? finding('TL011', `${head} Easy Auth answers 401 (${refusal}); in Azure its log says ${azure}. ${fix}`, places, 'error')
    : finding('TL011', `${head} The twin accepts it only because compat.easyAuth.issuerMode is 'tenant-any-version'; Easy Auth in Azure answers 401 and logs ${azure}. ${fix}`, places, 'warning');
}

/** `make()` once per key in this lint (a refusal is remembered too). */
function once<T>(ctx: Context, key: unknown[], make: () => Promise<T>): Promise<T> {
  const k = JSON.stringify(key);
  if (!ctx.memo.has(k)) ctx.memo.set(k, make());
  return ctx.memo.get(k) as Promise<T>;
}

/** The site's decision for the gateway's request (with APIM's token, or none). */
function callSite(ctx: Context, site: SiteView, method: string, url: URL, token: string | undefined): Promise<SiteDecision> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  return once(ctx, ['site', site.resource.id, method, url.toString(), token ?? ''], () => ctx.twin.callSite(site, { method, url: url.toString(), headers }));
}

export type { Context as ChainContext };
