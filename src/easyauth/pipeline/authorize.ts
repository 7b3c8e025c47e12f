import type { EasyAuthCompatFlags } from '../compat-flags.js';
import type { AzureActiveDirectorySettings } from '../settings/types.js';
import type { Claims } from '../token/validate-token.js';
import type { AuthStep } from './trace.js';

export type AuthzResult = { ok: true } | { ok: false; status: 403 | 500; reason: string };

export interface AppSwitches {
  allowedTenants?: string[];
  requireClientServicePrincipal: boolean;
}

/** Reads the WEBSITE_AUTH_AAD_* app settings that change authorization (docs/behaviour/easyauth.md §2.6). */
export function readAppSwitches(appSettings: Record<string, string> | undefined): AppSwitches {
  const s = appSettings ?? {};
  const tenants = s.WEBSITE_AUTH_AAD_ALLOWED_TENANTS;
  const out: AppSwitches = {
    requireClientServicePrincipal: /^(true|1)$/i.test((s.WEBSITE_AUTH_AAD_REQUIRE_CLIENT_SERVICE_PRINCIPAL ?? '').trim()),
  };
  if (tenants !== undefined && tenants.trim() !== '') {
    out.allowedTenants = tenants.split(',').map((t) => t.trim().toLowerCase()).filter((t) => t !== '');
  }
  return out;
}

function str(claims: Claims, name: string): string | undefined {
  const v = claims[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function groupsOf(claims: Claims): string[] | undefined {
  const g = claims.groups;
  if (Array.isArray(g)) return g.filter((x): x is string => typeof x === 'string');
  if (typeof g === 'string') return [g];
  return undefined;
}

/** A list is "in force" when present and non-empty, or empty under `deny-all`. */
function inForce(list: string[] | undefined, flags: EasyAuthCompatFlags): list is string[] {
  return list !== undefined && (list.length > 0 || flags.emptyAllowListMeans === 'deny-all');
}

/**
 * Built-in authorization (docs/behaviour/easyauth.md §4.3), all checks ANDed; failures are 403 except a configured
 * `jwtClaimChecks.allowedGroups` with no `groups` claim in the token, which is 500 [O].
 */
export function authorize(
  claims: Claims,
  aad: AzureActiveDirectorySettings,
  sw: AppSwitches,
  flags: EasyAuthCompatFlags,
  steps: AuthStep[],
): AuthzResult {
  const deny = (step: string, reason: string, status: 403 | 500 = 403): AuthzResult => {
    steps.push({ step, ok: false, reason });
    return { ok: false, status, reason };
  };
  const pass = (step: string, reason: string) => steps.push({ step, ok: true, reason });
  const app = str(claims, 'appid') ?? str(claims, 'azp');
  const oid = str(claims, 'oid');
  const tid = str(claims, 'tid');
  const policy = aad.validation.defaultAuthorizationPolicy;
  const jwt = aad.validation.jwtClaimChecks;

  if (sw.allowedTenants) {
    if (!tid || !sw.allowedTenants.includes(tid.toLowerCase())) {
      return deny('allowed-tenants', `tid '${tid ?? '(none)'}' is not in WEBSITE_AUTH_AAD_ALLOWED_TENANTS`);
    }
    pass('allowed-tenants', `tid '${tid}' allowed`);
  }
  const identities = policy.allowedPrincipals.identities;
  if (sw.requireClientServicePrincipal || (identities !== undefined && identities.length > 0)) {
    if (!oid) return deny('client-service-principal', 'token has no oid (a client service principal is required)');
    pass('client-service-principal', 'token has an oid');
  }
  if (inForce(policy.allowedApplications, flags)) {
    if (!app || !policy.allowedApplications.includes(app)) {
      return deny('allowed-applications', `client '${app ?? '(none)'}' (appid/azp) is not in allowedApplications [${policy.allowedApplications.join(', ')}]`);
    }
    pass('allowed-applications', `client '${app}' allowed`);
  }
  const groups = policy.allowedPrincipals.groups;
  const idsOn = inForce(identities, flags);
  const groupsOn = inForce(groups, flags);
  if (idsOn || groupsOn) {
    const tokenGroups = groupsOf(claims) ?? [];
    const byId = idsOn && oid !== undefined && identities.includes(oid);
    const byGroup = groupsOn && tokenGroups.some((g) => groups.includes(g));
    if (!byId && !byGroup) return deny('allowed-principals', `oid '${oid ?? '(none)'}' / groups match neither allowedPrincipals.identities nor .groups`);
    pass('allowed-principals', byId ? `oid '${oid}' allowed` : 'a group is allowed');
  }
  if (inForce(jwt.allowedClientApplications, flags)) {
    if (!app || !jwt.allowedClientApplications.includes(app)) {
      return deny('jwt-allowed-client-applications', `client '${app ?? '(none)'}' is not in jwtClaimChecks.allowedClientApplications`);
    }
    pass('jwt-allowed-client-applications', `client '${app}' allowed`);
  }
  const allowedGroups = jwt.allowedGroups;
  if (inForce(allowedGroups, flags)) {
    const tokenGroups = groupsOf(claims);
    if (tokenGroups === undefined) return deny('jwt-allowed-groups', 'jwtClaimChecks.allowedGroups is set but the token has no groups claim', 500);
    if (!tokenGroups.some((g) => allowedGroups.includes(g))) return deny('jwt-allowed-groups', 'no token group is in jwtClaimChecks.allowedGroups');
    pass('jwt-allowed-groups', 'a group is allowed');
  }
  return { ok: true };
}
