import type { Logger } from '../core/index.js';

/**
 * Secret named values (`secret: true`, Key Vault ones) stay out of what the twin writes about a request: its log lines
 * and its decision record (what `trustline explain` and the request trace show). Every occurrence of a secret value of
 * at least `MIN_SECRET_LENGTH` characters is replaced by `***` (docs/security.md). Built once per compiled service.
 */
export const MIN_SECRET_LENGTH = 4;
export const REDACTED = '***';

export type Redactor = (text: string) => string;

/** The service's redactor, or undefined when it holds no secret worth hiding (nothing to do per request). */
export function secretRedactor(namedValues: ReadonlyArray<{ value: string; secret?: boolean }>): Redactor | undefined {
  return textRedactor(namedValues.filter((nv) => nv.secret).map((nv) => nv.value));
}

/**
 * A redactor of these secret strings (those of at least `minLength` characters; the longest replaced first, so a secret
 * that contains another goes whole), or undefined when none is left to hide.
 */
export function textRedactor(values: Iterable<string>, minLength = MIN_SECRET_LENGTH): Redactor | undefined {
  const secrets = [...new Set(values)].filter((s) => s.length >= minLength).sort((a, b) => b.length - a.length);
  if (secrets.length === 0) return undefined;
  return (text) => {
    let out = text;
    for (const s of secrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
    return out;
  };
}

/** `value` with every string in it redacted (objects and arrays copied; other values as they are). */
export function redactDeep<T>(value: T, redact: Redactor): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, redact)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, redact);
    return out as T;
  }
  return value;
}

/** A logger whose messages and fields are redacted. */
export function redactingLogger(logger: Logger, redact: Redactor): Logger {
  const wrap = (level: 'debug' | 'info' | 'warn' | 'error') => (msg: string, fields?: Record<string, unknown>) =>
    logger[level](redact(msg), fields ? redactDeep(fields, redact) : fields);
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error'), child: (scope) => redactingLogger(logger.child(scope), redact) };
}
