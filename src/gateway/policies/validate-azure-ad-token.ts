import { parseJwt } from '../expressions/members-context.js';
import type { PolicyDefinition, ValueSource } from './types.js';
import { optional, required, str } from './util.js';
import {
  ALGORITHMS, audienceFailure, audiencesOf, checkLifetime, checkRequiredClaims, childTexts, compileRequiredClaims, compileStatus,
  compileDecryptionKeys, compileTokenSource, decodeToken, decrypt, extractToken, failWith, verifyWithOpenId,
} from './jwt-checks.js';

const DEFAULT_AUTHORITY = 'https://login.microsoftonline.com/';

/** `tenant-id` may be a GUID, a domain, or a URL naming the tenant (`https://contoso.onmicrosoft.com`). */
export function tenantSegment(raw: string): string {
  const t = raw.trim();
  if (/^https?:\/\//i.test(t)) {
    try { return new URL(t).hostname; } catch { return t; }
  }
  return t;
}

/** The tenant GUID of an Entra issuer (`https://sts.windows.net/{tid}/`, `https://login.microsoftonline.com/{tid}/v2.0`). */
function issuerTenant(iss: string): string | undefined {
  return /^https:\/\/[^/]+\/([0-9a-f-]{36})\/(?:v2\.0\/?)?$/i.exec(iss)?.[1]?.toLowerCase();
}

/**
 * validate-azure-ad-token (docs/behaviour/apim.md §2): a token issued by Entra ID for `tenant-id`, signed with a key
 * of the tenant's OpenID configuration (`{authentication-endpoint}{tenant}/v2.0/.well-known/openid-configuration`,
 * the twin's identity listener inside the twin), issued by that tenant (v1 `sts.windows.net` or v2 issuer), unexpired,
 * for one of `client-application-ids` when given (`appid` of v1 tokens, `azp` of v2), for one of `audiences` /
 * `backend-application-ids` (bare or `api://` form) when any is given, with `required-claims`. Header `Authorization`
 * by default. Failures answer as validate-jwt's do (401 "Invalid JWT." / "JWT not present.", or the custom status
 * and message); LastError.Source is `validate-azure-ad-token`.
 */
export const validateAzureAdToken: PolicyDefinition = {
  sections: ['inbound'],
  attributes: ['tenant-id', 'header-name', 'query-parameter-name', 'token-value', 'authentication-endpoint', 'failed-validation-httpcode',
    'failed-validation-error-message', 'output-token-variable-name'],
  compile(node, cc, base) {
    const tenant = required(cc, node, 'tenant-id');
    const source = compileTokenSource(cc, node, 'Authorization');
    const status = compileStatus(cc, node);
    const custom = optional(cc, node, 'failed-validation-error-message');
    const endpoint = optional(cc, node, 'authentication-endpoint');
    if (endpoint && !endpoint.isExpression && !/^https:\/\/[^/]+\/?$/i.test(endpoint.literal.trim())) {
      throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, `authentication-endpoint must be an https origin such as ${DEFAULT_AUTHORITY}, not '${endpoint.literal}'`);
    }
    const outputVar = node.attrs['output-token-variable-name'];
    const child = (n: string) => node.children.find((c) => c.name === n);
    for (const c of node.children) {
      if (!['client-application-ids', 'backend-application-ids', 'audiences', 'required-claims', 'decryption-keys'].includes(c.name)) cc.problem('ERR_APIM_POLICY_UNKNOWN_ELEMENT', c, `<${c.name}> is not allowed inside <validate-azure-ad-token>`);
    }
    const decryptionKeys = compileDecryptionKeys(cc, child('decryption-keys'));
    // client-application-ids is optional: "If a client application ID isn't provided, one or more audience claims
    // should be specified" (the policy page's elements table, 2024); without either nothing would restrict the token
    // to this API, and the twin refuses that (docs/differences.md).
    const clients = childTexts(cc, child('client-application-ids'), 'application-id');
    const backends = childTexts(cc, child('backend-application-ids'), 'application-id');
    const audiences = childTexts(cc, child('audiences'), 'audience');
    if (clients.length === 0 && audiences.length === 0 && backends.length === 0) {
      throw cc.error('ERR_APIM_POLICY_STRUCTURE', node, '<validate-azure-ad-token> requires <client-application-ids> or <audiences> (or <backend-application-ids>) with at least one value');
    }
    const claims = compileRequiredClaims(cc, child('required-claims'));
    const values = (list: ValueSource[], rc: Parameters<ValueSource['get']>[0]) => list.map((v) => str(v.get(rc)).trim());
    return {
      ...base,
      async run(rc) {
        const no = failWith('validate-azure-ad-token', status, custom ? str(custom.get(rc)) : undefined);
        const token = await decrypt(extractToken(source, rc, no), decryptionKeys, no, rc);
        const { alg, kid, payload } = decodeToken(token, no);
        if (!ALGORITHMS.includes(alg) || alg.startsWith('HS')) throw no('TokenSignatureInvalid', `IDX10511: Signature validation failed: the algorithm '${alg}' is not allowed. Access denied.`);
        const authority = (endpoint ? str(endpoint.get(rc)).trim() : DEFAULT_AUTHORITY).replace(/\/?$/, '/');
        const url = `${authority}${encodeURIComponent(tenantSegment(str(tenant.get(rc))))}/v2.0/.well-known/openid-configuration`;
        const keys = await verifyWithOpenId(rc, url, token, kid, no);
        const iss = String(payload.iss ?? '');
        const tid = keys.issuer ? issuerTenant(keys.issuer) : undefined;
        if (!tid || issuerTenant(iss) !== tid || !(iss === `https://sts.windows.net/${tid}/` || iss === `${authority}${tid}/v2.0` || iss === keys.issuer)) {
          throw no('TokenIssuerNotAllowed', `IDX10205: Issuer validation failed. Issuer: '${iss}'. Access denied.`);
        }
        checkLifetime(rc, payload, true, 0, no);
        const app = String(payload.appid ?? payload.azp ?? '');
        if (clients.length && !values(clients, rc).some((c) => c.toLowerCase() === app.toLowerCase())) {
          throw no('TokenClientApplicationNotAllowed', `Client application '${app}' is not allowed. Access denied.`);
        }
        const allowed = [...values(audiences, rc), ...values(backends, rc).flatMap((b) => [b, `api://${b}`])];
        if (allowed.length && !audiencesOf(payload).some((a) => allowed.includes(a))) throw audienceFailure(payload, no);
        checkRequiredClaims(rc, payload, claims, no);
        if (outputVar) rc.variables.set(outputVar, parseJwt(token));
        rc.note(`valid Entra token: tid=${tid} appid=${app} aud=${String(payload.aud)}`);
      },
    };
  },
};
