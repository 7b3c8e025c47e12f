/** Structured logger. Never pass secrets (tokens, keys, identity headers) as fields. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(scope: string): Logger;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface LoggerOptions {
  level?: LogLevel;
  scope?: string;
  /** Where lines go; defaults to stderr. */
  write?: (line: string) => void;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const scope = options.scope;
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < ORDER[level]) return;
    let line = `[${lvl}]${scope ? ` ${scope}:` : ''} ${msg}`;
    if (fields && Object.keys(fields).length > 0) line += ' ' + JSON.stringify(fields);
    write(redactSecrets(line));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (s) => createLogger({ level, write, scope: scope ? `${scope}/${s}` : s }),
  };
}

export const silentLogger: Logger = createLogger({ level: 'silent' });

/** A logger that keeps lines in memory, for tests. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', write: (l) => lines.push(l) });
  return Object.assign(logger, { lines });
}

const JWT = /\beyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g;
const PRIVATE_KEY = /-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g;
const BEARER = /\b(Bearer\s+)(?!\[redacted)[A-Za-z0-9._~+/=-]{8,}/gi;
/** Query parameters that carry credentials (APIM subscription keys, Functions keys, SAS signatures, OAuth). */
const SECRET_PARAMS = /([?&](?:subscription-key|code|sig|access_token|id_token|refresh_token|client_secret|password|client_assertion)=)[^&\s"#]+/gi;

/**
 * The last line of defence behind "never pass secrets to the logger" (docs/security.md): whatever reaches a
 * log line, JWTs (`eyJ….….…`), PEM private keys, `Bearer <credential>` values and credential query parameters
 * (`subscription-key=`, `code=`, `sig=`, `access_token=`, `client_secret=`, …) are replaced by a marker.
 * Runs only on emitted lines, never per request.
 */
export function redactSecrets(line: string): string {
  if (line.includes('eyJ')) line = line.replace(JWT, '[redacted JWT]');
  if (line.includes('PRIVATE KEY-----')) line = line.replace(PRIVATE_KEY, '[redacted $1private key]');
  if (/bearer/i.test(line)) line = line.replace(BEARER, '$1[redacted]');
  if (line.includes('=')) line = line.replace(SECRET_PARAMS, '$1[redacted]');
  return line;
}
