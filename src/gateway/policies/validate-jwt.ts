import { compactVerify, importJWK, type JWK } from 'jose';
import { parseJwt } from '../expressions/members-context.js';
import type { PolicyDefinition } from './types.js';
import { literalBool, optional, str } from './util.js';
import { certificateKey,
  ALGORITHMS, audienceFailure, audiencesOf, checkLifetime, checkRequiredClaims, childTexts, compileRequiredClaims, compileStatus,
  compileDecryptionKeys, compileTokenSource, decodeToken, decrypt, extractToken, failWith, verifyWithOpenId,
} from './jwt-checks.js';

/** RSA keys given inline are imported once per algorithm (no key import on the request path). */
const imported = new WeakMap<JWK, Map<string, Promise<Awaited<ReturnType<typeof importJWK>>>>>();
function importedKey(jwk: JWK, alg: string): Promise<Awaited<ReturnType<typeof importJWK>>> {
  let byAlg = imported.get(jwk);
  if (!byAlg) { byAlg = new Map(); imported.set(jwk, byAlg); }
  let k = byAlg.get(alg);
  if (!k) { k = importJWK(jwk, alg); byAlg.set(alg, k); }
  return k;
}

/**
 * validate-jwt (docs/behaviour/apim.md §2, §1.5): the token from a header (with `require-scheme`), a query parameter or
 * a value; signature against openid-config keys (Entra twin or any issuer) or issuer-signing-keys;
 * exp (required by default) and nbf with clock-skew; audiences, issuers, required-claims. A failure
 * answers failed-validation-httpcode (401) with failed-validation-error-message, or APIM's defaults.
 */
export const validateJwt: PolicyDefinition = {
  sections: ['inbound'],
  attributes: ['header-name', 'query-parameter-name', 'token-value', 'failed-validation-httpcode', 'failed-validation-error-message',
    'require-expiration-time', 'require-scheme', 'require-signed-tokens', 'clock-skew', 'output-token-variable-name', 'validate-connectivity'],
  compile(node, cc, base) {
    const source = compileTokenSource(cc, node);
    const status = compileStatus(cc, node);
    const custom = optional(cc, node, 'failed-validation-error-message');
    const requireExp = literalBool(cc, node, 'require-expiration-time', true);
    const requireSigned = literalBool(cc, node, 'require-signed-tokens', true);
    const skew = Number(node.attrs['clock-skew'] ?? '0');
    if (!Number.isFinite(skew) || skew < 0) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, `clock-skew '${node.attrs['clock-skew']}' is not a number of seconds`);
    const outputVar = node.attrs['output-token-variable-name'];
    const child = (n: string) => node.children.find((c) => c.name === n);
    for (const c of node.children) {
      if (!['openid-config', 'issuer-signing-keys', 'decryption-keys', 'audiences', 'issuers', 'required-claims'].includes(c.name)) cc.problem('ERR_APIM_POLICY_UNKNOWN_ELEMENT', c, `<${c.name}> is not allowed inside <validate-jwt>`);
    }
    const decryptionKeys = compileDecryptionKeys(cc, child('decryption-keys'));
    const openIds = node.children.filter((c) => c.name === 'openid-config').map((c) => {
      const u = cc.value(c, c.attrs.url, "attribute 'url'");
      if (!u) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', c, "<openid-config> requires the attribute 'url'");
      return u;
    });
    const staticKeys: Array<{ kid?: string; key: Uint8Array | JWK } | { kid?: string; certificateId: string }> = [];
    for (const k of child('issuer-signing-keys')?.children ?? []) {
      if (k.name !== 'key') { cc.problem('ERR_APIM_POLICY_UNKNOWN_ELEMENT', k, `<${k.name}> is not allowed inside <issuer-signing-keys>`); continue; }
      if (k.attrs.n && k.attrs.e) staticKeys.push({ ...(k.attrs.id ? { kid: k.attrs.id } : {}), key: { kty: 'RSA', n: k.attrs.n, e: k.attrs.e } });
      else if (k.text.trim()) staticKeys.push({ ...(k.attrs.id ? { kid: k.attrs.id } : {}), key: Buffer.from(k.text.trim(), 'base64') });
      else if (k.attrs['certificate-id']?.trim()) staticKeys.push({ ...(k.attrs.id ? { kid: k.attrs.id } : {}), certificateId: k.attrs['certificate-id'].trim() });
      else throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', k, '<issuer-signing-keys><key> needs a base64 key, n and e, or certificate-id');
    }
    const audiences = childTexts(cc, child('audiences'), 'audience');
    const issuers = childTexts(cc, child('issuers'), 'issuer');
    const claims = compileRequiredClaims(cc, child('required-claims'));
    // Without keys (and require-signed-tokens left true) no signed token can pass, yet APIM saves such a policy: an
    // APIOps extract of a live service holds one (docs/behaviour/apim.md §2, validate-jwt). It loads, with a warning,
    // and answers every token as IdentityModel does without keys (IDX10500).
    const keyless = requireSigned && openIds.length === 0 && staticKeys.length === 0;
    if (keyless) cc.warnings.push(`<validate-jwt> has no <openid-config> nor <issuer-signing-keys>: every signed token fails validation at ${cc.file ?? 'line '}${node.line}:${node.column}`);
    return {
      ...base,
      async run(rc) {
        const no = failWith('validate-jwt', status, custom ? str(custom.get(rc)) : undefined);
        const token = await decrypt(extractToken(source, rc, no), decryptionKeys, no, rc);
        const { alg, kid, payload } = decodeToken(token, no);
        if (requireSigned) {
          if (!ALGORITHMS.includes(alg)) throw no('TokenSignatureInvalid', `IDX10511: Signature validation failed: the algorithm '${alg}' is not allowed. Access denied.`);
          if (keyless) throw no('TokenSignatureInvalid', 'IDX10500: Signature validation failed. No security keys were provided to validate the signature. Access denied.');
          let verified = false;
          for (const k of staticKeys) {
            if (kid && k.kid && k.kid !== kid) continue;
            const key = 'certificateId' in k ? certificateKey(rc, k.certificateId, 'verify') : k.key instanceof Uint8Array ? k.key : await importedKey(k.key, alg);
            if (!key) continue;
            try { await compactVerify(token, key); verified = true; break; } catch { /* next */ }
          }
          // Each openid-config in turn; the last one's failure is the answer when none holds the key.
          let failure: unknown;
          for (const u of openIds) {
            if (verified) break;
            try {
              await verifyWithOpenId(rc, str(u.get(rc)), token, kid, no);
              verified = true;
            } catch (e) { failure = e; }
          }
          if (!verified && failure) throw failure;
          if (!verified) throw no(kid ? 'TokenSignatureKeyNotFound' : 'TokenSignatureInvalid', `IDX10501: Signature validation failed. Unable to match key: kid '${kid ?? ''}'. Access denied.`);
        }
        checkLifetime(rc, payload, requireExp, skew, no);
        if (audiences.length) {
          const allowed = audiences.map((a) => str(a.get(rc)));
          if (!audiencesOf(payload).some((a) => allowed.includes(a))) throw audienceFailure(payload, no);
        }
        if (issuers.length) {
          const allowed = issuers.map((i) => str(i.get(rc)));
          if (!allowed.includes(String(payload.iss))) throw no('TokenIssuerNotAllowed', `IDX10205: Issuer validation failed. Issuer: '${String(payload.iss)}'. Access denied.`);
        }
        checkRequiredClaims(rc, payload, claims, no);
        if (outputVar) rc.variables.set(outputVar, parseJwt(token));
        rc.note(`valid token: iss=${String(payload.iss)} aud=${String(payload.aud)} sub=${String(payload.sub ?? '')}`);
      },
    };
  },
};
