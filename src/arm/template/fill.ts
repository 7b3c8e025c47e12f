import { findKey, isInt, isObject, setProp } from '../expressions/values.js';
import type { JsonObject } from '../expressions/values.js';
import { get, resolveRef } from '../deployment/type-check.js';

/**
 * Values for `trustline expand --fill-placeholders` (the quickstart CI placeholders `GEN-*` and the
 * prerequisite outputs `GET-PREREQ-*` in parameter files) and `--fill-missing` (a valid value for every
 * required parameter without one). Everything comes from a seeded generator: the same seed, the same values.
 */
export class SeededValues {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0 || 0x9e3779b9;
  }
  /** mulberry32 */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  chars(n: number, alphabet: string): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(this.next() * alphabet.length)];
    return s;
  }
  /** A lowercase name of `n` characters starting with a letter (storage-account safe). */
  name(n: number): string {
    if (n <= 0) return '';
    return this.chars(1, 'abcdefghijklmnopqrstuvwxyz') + this.chars(n - 1, 'abcdefghijklmnopqrstuvwxyz0123456789');
  }
  uuid(): string {
    const h = this.chars(32, '0123456789abcdef').split('');
    h[12] = '4';
    h[16] = '89ab'[Math.floor(this.next() * 4)]!;
    const s = h.join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }
  /** A password that meets Azure's complexity rules (upper, lower, digit, special; 16 characters). */
  password(special = '!'): string {
    return `Tl${this.chars(6, 'abcdefghijkmnopqrstuvwxyz')}${this.chars(4, '23456789')}${special}${this.chars(3, 'ABCDEFGHJKLMNPQRSTUVWXYZ')}`;
  }
}

/** A syntactically valid OpenSSH RSA public key (not a usable key: the twin never connects). */
const SSH_PUBLIC_KEY =
  'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7trustlinetwinplaceholderkeyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA trustline@twin';

export interface FillContext {
  subscriptionId: string;
  resourceGroup: string;
  tenantId: string;
  location: string;
  values: SeededValues;
  /**
   * The outputs of the prerequisite template deployed before this one (quickstart CI: `prereqs/prereq.azuredeploy.json`):
   * a parameter whose whole value is `GET-PREREQ-<output>` takes that output's value (any type), as the CI does.
   */
  prerequisiteOutputs?: Record<string, unknown>;
  /**
   * The Azure Developer CLI environment (`AZURE_ENV_NAME`, `AZURE_LOCATION`, …) that `${NAME}` references in an azd
   * parameters file (`infra/main.parameters.json`) read; absent names are unset.
   */
  environment?: Record<string, string | undefined>;
}

/**
 * An azd environment reference in a parameters file: `${NAME}`, `${NAME=default}` / `${NAME-default}` (the default when
 * NAME is unset) and `${NAME:=default}` / `${NAME:-default}` (also when it is empty), the shell forms of the envsubst
 * library azd substitutes the file with before it deploys (docs/behaviour/arm.md, "azd parameters files").
 */
const AZD_REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-=])([^}]*))?\}/g;

function substituteAzd(text: string, env: Record<string, string | undefined>): string {
  return text.replace(AZD_REFERENCE, (_m, name: string, op: string | undefined, dflt: string | undefined) => {
    const v = env[name];
    if (op === undefined) return v ?? '';
    if (op.startsWith(':')) return v === undefined || v === '' ? (dflt ?? '') : v;
    return v === undefined ? (dflt ?? '') : v;
  });
}

/** The value a quickstart CI placeholder token stands for (token as written, e.g. `GEN-UNIQUE-8`). */
export function placeholderValue(token: string, ctx: FillContext): string {
  const t = token.toUpperCase();
  const v = ctx.values;
  let m = /^GEN-UNIQUE-?(\d+)$/.exec(t);
  if (m) return v.name(Math.max(1, Math.min(64, Number(m[1]))));
  if (t === 'GEN-UNIQUE' || t === 'GEN-UNQIUE') return `tl${v.name(14)}`;
  if (t === 'GEN-PASSWORD') return v.password();
  if (t === 'GEN-PASSWORD-AMP') return v.password('&');
  if (t === 'GEN-SSH-PUB-KEY') return SSH_PUBLIC_KEY;
  if (t === 'GEN-GUID' || /OBJECTID$|APPID$/.test(t)) return v.uuid();
  if (/TENANTID$/.test(t)) return ctx.tenantId;
  if (/SUBSCRIPTION-ID$/.test(t)) return ctx.subscriptionId;
  if (/RESOURCEGROUP-NAME$/.test(t)) return ctx.resourceGroup;
  if (t === 'GEN-KEYVAULT-RESOURCE-ID') return `/subscriptions/${ctx.subscriptionId}/resourceGroups/${ctx.resourceGroup}/providers/Microsoft.KeyVault/vaults/tlkv${v.name(8)}`;
  if (/ENCRYPTION-KEY-URI$/.test(t)) return `https://tlkv${v.name(8)}.vault.azure.net/keys/key1/${v.chars(32, '0123456789abcdef')}`;
  if (/THUMBPRINT$/.test(t)) return v.chars(40, '0123456789ABCDEF');
  if (/PFXDATA$|CERDATA$/.test(t)) return Buffer.from(`trustline placeholder certificate ${v.name(8)}`).toString('base64');
  if (/PASSWORD/.test(t)) return v.password();
  if (/(URI|URL)$/.test(t)) return `https://${v.name(10)}.blob.core.windows.net/placeholders/${t.toLowerCase().replace(/^ge[nt]-/, '')}`;
  if (/(HOST-NAME|FQDN-NAME|HOSTNAME|DNSNAME)$/.test(t)) return `${v.name(10)}.contoso.com`;
  if (/VERSION$/.test(t)) return v.chars(32, '0123456789abcdef');
  // The CI's virtual network has one subnet per number: GEN-VNET-SUBNET1-NAME and GEN-VNET-SUBNET2-NAME differ.
  m = /SUBNET(\d*)-NAME$/.exec(t);
  if (m) return Number(m[1] || '1') <= 1 ? 'default' : `default${m[1]}`;
  if (/-ID$/.test(t)) return v.uuid();
  return `tl${v.name(10)}`;
}

/**
 * An author's "fill me in" placeholder standing for a whole parameter value in a parameters file: `<RESOURCE_NAME>`,
 * `<your-email>`, `<YOUTUBE_CHANNEL_ID>` (angle brackets around a name, no markup inside) [I].
 */
const ANGLE_PLACEHOLDER = /^<[A-Za-z][A-Za-z0-9 _.:-]{0,80}>$/;

const TOKEN = /\b(?:GEN-[A-Z0-9]+(?:-[A-Z0-9]+)*|GET-PREREQ-[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*)/g;

/**
 * Replace placeholder tokens in every string of a parameters object; Key Vault references become values; azd
 * environment references (`${NAME}`) are substituted from `ctx.environment`.
 */
export function fillPlaceholders(
  parameters: JsonObject,
  ctx: FillContext,
): { parameters: JsonObject; filled: string[]; wholeTokens: string[]; azdReferences: string[]; placeholders: string[] } {
  const filled: string[] = [];
  const placeholders: string[] = [];
  const wholeTokens: string[] = [];
  const azdReferences: string[] = [];
  const fix = (v: unknown): unknown => {
    if (typeof v === 'string') {
      return v.replace(TOKEN, (token) => {
        filled.push(token);
        return placeholderValue(token, ctx);
      });
    }
    if (Array.isArray(v)) return v.map(fix);
    if (isObject(v)) {
      const out: JsonObject = {};
      for (const [k, x] of Object.entries(v)) setProp(out, k, fix(x));
      return out;
    }
    return v;
  };
  const isFile = 'parameters' in parameters && isObject(parameters['parameters']);
  const map = (isFile ? parameters['parameters'] : parameters) as JsonObject;
  const out: JsonObject = {};
  for (const [name, entry] of Object.entries(map)) {
    if (isObject(entry) && !('value' in entry) && 'reference' in entry) {
      // A Key Vault reference (or its CI placeholder): the offline twin cannot read the vault.
      filled.push(`${name}: Key Vault reference`);
      setProp(out, name, { value: ctx.values.password() });
      continue;
    }
    const whole = isObject(entry) && typeof entry['value'] === 'string' && new RegExp(`^${TOKEN.source}$`).test(entry['value']) ? entry['value'] : undefined;
    const output = whole !== undefined && ctx.prerequisiteOutputs && /^GET-PREREQ-/i.test(whole) ? findKey(ctx.prerequisiteOutputs, whole.slice('GET-PREREQ-'.length)) : undefined;
    if (output !== undefined) {
      filled.push(`${whole} (prerequisite output)`);
      setProp(out, name, { ...(entry as JsonObject), value: structuredClone(ctx.prerequisiteOutputs![output]) });
      continue;
    }
    if (whole !== undefined) wholeTokens.push(name);
    const value = isObject(entry) ? entry['value'] : undefined;
    if (typeof value === 'string' && ANGLE_PLACEHOLDER.test(value)) {
      // Filled like a whole CI token (expand gives it a value for the declared type: placeholders lists it).
      filled.push(`${name}: ${value}`);
      placeholders.push(name);
      setProp(out, name, { ...(entry as JsonObject), value: `tl${ctx.values.name(10)}` });
      continue;
    }
    if (typeof value === 'string' && new RegExp(AZD_REFERENCE.source).test(value)) {
      // azd substitutes its environment into the file; a value that comes out empty counts as not given (azd asks
      // for it unless the template has a default), and a whole value of a bool/int/array/object parameter is
      // converted to that type (azdReferences lists those parameters).
      const substituted = substituteAzd(value, ctx.environment ?? {});
      filled.push(`${name}: ${value}`);
      if (substituted === '') continue;
      if (new RegExp(`^${AZD_REFERENCE.source}$`).test(value)) azdReferences.push(name);
      setProp(out, name, { ...(entry as JsonObject), value: substituted });
      continue;
    }
    setProp(out, name, fix(entry));
  }
  return { parameters: isFile ? { ...parameters, parameters: out } : out, filled, wholeTokens, azdReferences, placeholders };
}

/**
 * A value for a required parameter that satisfies its declared type and constraints (allowed values,
 * lengths, ranges, languageVersion 2.0 types). Names give hints: `location`, `…ResourceId`, `…email`, `…Url`/`…Uri`/`…Endpoint`.
 */
export function missingValue(name: string, decl: JsonObject, definitions: JsonObject | undefined, ctx: FillContext, depth = 0): unknown {
  const ref = get(decl, '$ref');
  if (typeof ref === 'string' && depth < 16) {
    const target = resolveRef(ref, definitions);
    if (target) return missingValue(name, { ...target, ...withoutRef(decl) }, definitions, ctx, depth + 1);
  }
  const allowed = get(decl, 'allowedValues');
  const type = String(get(decl, 'type') ?? 'object').toLowerCase();
  if (Array.isArray(allowed) && allowed.length > 0) {
    // A non-null allowed value when there is one (`({key: 'value'} | null)[]` gets `[{key: 'value'}]`).
    const pick = allowed.find((a) => a !== null) ?? allowed[0];
    return type === 'array' ? [structuredClone(pick)] : structuredClone(pick);
  }
  const discriminator = get(decl, 'discriminator');
  if (isObject(discriminator)) {
    const mapping = get(discriminator, 'mapping');
    const prop = get(discriminator, 'propertyName');
    if (isObject(mapping) && typeof prop === 'string') {
      const [tag, variant] = Object.entries(mapping)[0] ?? [];
      if (tag !== undefined && isObject(variant)) {
        const value = missingValue(name, variant, definitions, ctx, depth + 1);
        if (isObject(value)) setProp(value, prop, tag);
        return value;
      }
    }
  }
  const minLength = isInt(get(decl, 'minLength')) ? Number(get(decl, 'minLength')) : undefined;
  const maxLength = isInt(get(decl, 'maxLength')) ? Number(get(decl, 'maxLength')) : undefined;
  switch (type) {
    case 'string':
    case 'securestring': {
      const lower = name.toLowerCase();
      let s: string;
      if (lower === 'location' || lower.endsWith('location')) s = ctx.location;
      else if (/resourceid$/.test(lower)) s = `/subscriptions/${ctx.subscriptionId}/resourceGroups/${ctx.resourceGroup}/providers/Microsoft.Placeholder/parents/tl${ctx.values.name(6)}/children/${childName(name)}`;
      else if (/email/.test(lower)) s = 'admin@contoso.com';
      else if (/(url|uri|endpoint)$/.test(lower)) s = `https://tl${ctx.values.name(10)}.contoso.com/`;
      else if (/(tenantid|objectid|principalid|clientid|appid|guid)$/.test(lower)) s = lower.endsWith('tenantid') ? ctx.tenantId : ctx.values.uuid();
      else if (type === 'securestring' || /password|secret/.test(lower)) s = ctx.values.password();
      else s = `tl${ctx.values.name(10)}`;
      if (minLength !== undefined && s.length < minLength) s = s + ctx.values.name(minLength - s.length);
      if (maxLength !== undefined && s.length > maxLength) s = s.slice(0, maxLength);
      return s;
    }
    case 'int': {
      const min = isInt(get(decl, 'minValue')) ? Number(get(decl, 'minValue')) : undefined;
      const max = isInt(get(decl, 'maxValue')) ? Number(get(decl, 'maxValue')) : undefined;
      let n = min ?? 1;
      if (max !== undefined && n > max) n = max;
      return n;
    }
    case 'bool':
      return false;
    case 'array': {
      const items = get(decl, 'items');
      const count = minLength ?? 0;
      return Array.from({ length: count }, (_, i) => (isObject(items) ? missingValue(`${name}${i}`, items, definitions, ctx, depth + 1) : `item${i}`));
    }
    default: {
      const out: JsonObject = {};
      const properties = get(decl, 'properties');
      if (isObject(properties) && depth < 16) {
        for (const [p, pd] of Object.entries(properties)) {
          if (!isObject(pd) || get(pd, 'nullable') === true) continue;
          const target = typeof get(pd, '$ref') === 'string' ? resolveRef(get(pd, '$ref') as string, definitions) : undefined;
          if (target && get(target, 'nullable') === true) continue;
          setProp(out, p, missingValue(p, pd, definitions, ctx, depth + 1));
        }
      }
      return out;
    }
  }
}

/**
 * The last segment of a generated resource id: the parameter's name in lower case letters and digits, at most 24
 * characters, so that it passes as the name of most resource types (a storage account's is 3 to 24 of them).
 */
function childName(parameter: string): string {
  return parameter.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 24).padEnd(3, '0');
}

function withoutRef(decl: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(decl)) if (k !== findKey(decl, '$ref')) setProp(out, k, v);
  return out;
}
