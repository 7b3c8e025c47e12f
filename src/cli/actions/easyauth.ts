import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse, type ParseError } from 'jsonc-parser';
import { TwinError, createLogger, describeError, isTwinError, type LogLevel } from '../../core/index.js';
import { loadOrCreateLocalTls, startStandaloneEasyAuth } from '../../runtime/index.js';
import { readReadyFile } from '../ready-file.js';
import { DEFAULT_STATE_DIR } from '../defaults.js';

export interface EasyAuthCommandOptions {
  settings: string;
  backend: string;
  port: number;
  httpsPort: number;
  readyFile?: string;
  site?: string;
  logLevel: LogLevel;
  /** Print one JSON line {httpsUrl, httpUrl, caCertificate, backend, identityAuthority?} instead of the text. */
  json?: boolean;
  /** Resolve once listening (tests) instead of serving until a signal. */
  detach?: boolean;
  out: (line: string) => void;
}

function readSettings(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new TwinError('ERR_CLI_INPUT', `cannot read the settings file ${file}: ${(e as Error).message}`);
  }
  const errors: ParseError[] = [];
  const value = parse(text, errors, { allowTrailingComma: true }) as unknown;
  if (errors.length > 0) throw new TwinError('ERR_CLI_INPUT', `${file} is not JSON (offset ${errors[0]!.offset})`);
  return value;
}

/**
 * The JSON path of the first string that is an ARM template expression (`[concat(…)]`; `[[` escapes a literal `[`):
 * a body copied from a template before deployment, whose issuer or client id Easy Auth would take literally.
 */
export function armExpressionPath(value: unknown, path = 'properties'): string | undefined {
  if (typeof value === 'string') return /^\[(?!\[)[\s\S]*\]$/.test(value.trim()) ? path : undefined;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const hit = armExpressionPath(v, `${path}[${i}]`);
      if (hit) return hit;
    }
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const hit = armExpressionPath(v, `${path}.${k}`);
      if (hit) return hit;
    }
  }
  return undefined;
}

/** `trustline easyauth`: Easy Auth (the twin's site pipeline) in front of any HTTP app. */
export async function easyauthCommand(o: EasyAuthCommandOptions) {
  const logger = createLogger({ level: o.logLevel });
  const settings = readSettings(resolve(o.settings));
  const body = settings && typeof settings === 'object' && 'properties' in settings ? (settings as { properties: unknown }).properties : settings;
  const expression = armExpressionPath(body);
  if (expression) {
    throw new TwinError('ERR_CLI_INPUT', `${o.settings}: ${expression} is an ARM template expression, which Easy Auth would read as it is written: give the settings as deployed (\`trustline expand TEMPLATE --json\` prints the authsettingsV2 resource with every expression evaluated)`);
  }
  const ready = o.readyFile ? readReadyFile(o.readyFile) : undefined;
  // The listener certificate comes from the twin's local CA (its state folder), else from the default state folder's.
  const tls = await loadOrCreateLocalTls(ready ? dirname(ready.caCertificate) : resolve(DEFAULT_STATE_DIR), logger);
  const server = await startStandaloneEasyAuth({
    settings,
    backend: o.backend,
    httpPort: o.port,
    httpsPort: o.httpsPort,
    tls: tls.server,
    ...(ready ? { twin: { identityOrigin: new URL(ready.identity.authority).origin, ca: tls.ca.cert } } : {}),
    ...(o.site ? { siteName: o.site } : {}),
    logger,
  }).catch((e: unknown) => {
    if (isTwinError(e) && e.code.startsWith('ERR_EASYAUTH_SETTINGS')) throw new TwinError('ERR_CLI_INPUT', `${o.settings}: ${describeError(e)}`);
    throw e;
  });
  if (o.json) {
    o.out(JSON.stringify({ httpsUrl: server.httpsUrl, httpUrl: server.httpUrl, caCertificate: tls.caFile, backend: o.backend, ...(ready ? { identityAuthority: ready.identity.authority } : {}) }));
  } else {
    o.out(`Easy Auth in front of ${o.backend}: ${server.httpsUrl} (https, CA ${tls.caFile}) and ${server.httpUrl}`);
    o.out(ready ? `Tokens are checked against the issuer the settings name; Azure's Entra hosts resolve to the twin at ${ready.identity.authority}.` : 'Tokens are checked against the issuer the settings name, at its real metadata URL.');
    o.out('Every 401/403 is explained in the log. Stop with Ctrl+C.');
  }
  if (o.detach) return server;
  await new Promise<void>((r) => {
    process.once('SIGINT', () => r());
    process.once('SIGTERM', () => r());
  });
  await server.close();
  return undefined;
}
