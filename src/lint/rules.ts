import type { LintLocation } from './source-map.js';

export type LintLevel = 'error' | 'warning' | 'note';

/** One rule of `trustline lint` (docs/lint.md has a row for each, with the Azure behaviour it relies on). */
export interface LintRule {
  id: string;
  /** Short kebab-case name (SARIF `name`). */
  name: string;
  level: LintLevel;
  /** One sentence: what the rule finds. */
  description: string;
  /** The behaviour reference section it relies on. */
  behaviour: string;
}

/** One finding: a rule, its level, a message that says what to change, and where. */
export interface Finding {
  rule: string;
  level: LintLevel;
  message: string;
  locations: LintLocation[];
}

export const RULES: readonly LintRule[] = [
  {
    id: 'TL001', name: 'chain-token-refused', level: 'error',
    description: "The site's Easy Auth refuses the token APIM's managed identity gets for the policy's resource (audience, issuer/version, allowed applications or principals, claim checks).",
    behaviour: 'docs/behaviour/easyauth.md §4.2, §4.3, §5',
  },
  {
    id: 'TL002', name: 'chain-no-token', level: 'error',
    description: 'APIM calls a site that requires authentication without a token: no authentication-managed-identity, or its output variable reaches no set-header Authorization.',
    behaviour: 'docs/behaviour/easyauth.md §4.1, §4.4; docs/behaviour/apim.md §2',
  },
  {
    id: 'TL003', name: 'identity-missing', level: 'error',
    description: 'authentication-managed-identity names an identity the APIM service does not have (no system-assigned identity, or no user-assigned identity with that client-id).',
    behaviour: 'docs/behaviour/apim.md §2; docs/behaviour/identity.md §1a',
  },
  {
    id: 'TL004', name: 'token-request-refused', level: 'error',
    description: "Entra ID refuses the managed identity's token request for the policy's resource (e.g. no application has that identifier URI).",
    behaviour: 'docs/behaviour/identity.md §1a, §2d',
  },
  {
    id: 'TL005', name: 'token-error-ignored', level: 'warning',
    description: 'authentication-managed-identity has ignore-error="true": a failed token request goes on without a token and the site answers a bare 401.',
    behaviour: 'docs/behaviour/apim.md §2, §8',
  },
  {
    id: 'TL006', name: 'site-anonymous', level: 'warning',
    description: 'A site behind APIM answers requests without a token (Easy Auth off, unauthenticated requests allowed, or the backend path after rewrite-uri in excludedPaths): APIM is not the only way in.',
    behaviour: 'docs/behaviour/easyauth.md §4.1, §4.4, §4.9',
  },
  {
    id: 'TL007', name: 'backend-plain-http', level: 'warning',
    description: "APIM calls a site of the deployment over plain http: the bearer token travels in clear (and a site with requireHttps redirects instead of answering).",
    behaviour: 'docs/behaviour/easyauth.md §4.8',
  },
  {
    id: 'TL008', name: 'function-key-missing', level: 'warning',
    description: "The site's Easy Auth lets APIM in but the function's authLevel asks for a key no policy sends (x-functions-key).",
    behaviour: 'docs/behaviour/app-service.md §4; docs/behaviour/easyauth.md §5',
  },
  {
    id: 'TL009', name: 'deployment-refused', level: 'error',
    description: 'The inputs do not deploy: Azure (and `trustline up`) would refuse them.',
    behaviour: 'docs/behaviour/arm.md; docs/behaviour/apim.md §1',
  },
  {
    id: 'TL010', name: 'not-decided', level: 'note',
    description: "The chain of an API depends on the request: a policy expression the request decides (resource, client-id or backend), or the caller's own token passed on (validate-jwt): the lint does not decide it.",
    behaviour: 'docs/behaviour/apim.md §4',
  },
  {
    id: 'TL011', name: 'issuer-version-mismatch', level: 'error',
    description: "APIM's managed identity gets a token of one version (v1: iss https://sts.windows.net/{tenant}/, v2: https://login.microsoftonline.com/{tenant}/v2.0) and the site's openIdIssuer expects the other: Easy Auth in Azure refuses it (a warning where the twin's compat flag issuerMode accepts it).",
    behaviour: 'docs/behaviour/easyauth.md §4.2; docs/behaviour/identity.md §2b, §2c',
  },
];

export const RULE_BY_ID: ReadonlyMap<string, LintRule> = new Map(RULES.map((r) => [r.id, r]));

/** A finding of rule `id`, at the rule's level unless the rule's level depends on the twin's settings (`level`). */
export function finding(id: string, message: string, locations: Array<LintLocation | undefined>, level?: LintLevel): Finding {
  const rule = RULE_BY_ID.get(id);
  if (!rule) throw new Error(`unknown lint rule ${id}`);
  return { rule: id, level: level ?? rule.level, message, locations: locations.filter((l): l is LintLocation => l !== undefined) };
}
