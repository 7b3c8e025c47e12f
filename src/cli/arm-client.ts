import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import type { ReadyInfo } from '../runtime/index.js';

export interface ArmResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/**
 * A client of the twin's control plane as an ARM client is: https with the twin's CA, `api-version` on every
 * request, a bearer token when the twin asks for one (`token`), long-running operations followed through
 * `Azure-AsyncOperation` / `Location`.
 */
export class ArmClient {
  readonly #ready: ReadyInfo;
  readonly #dispatcher: Agent;
  readonly #token: (() => Promise<string | undefined>) | undefined;

  constructor(ready: ReadyInfo, token?: () => Promise<string | undefined>) {
    this.#ready = ready;
    this.#dispatcher = new Agent({ connect: { ca: readFileSync(ready.caCertificate, 'utf8') } });
    this.#token = token;
  }

  get resourceGroupPath(): string {
    return `/subscriptions/${this.#ready.subscriptionId}/resourcegroups/${this.#ready.resourceGroup}`;
  }

  get deploymentsPath(): string {
    return `${this.resourceGroupPath}/providers/Microsoft.Resources/deployments`;
  }

  /** Subscription-scope deployments (`az deployment sub …`). */
  get subscriptionDeploymentsPath(): string {
    return `/subscriptions/${this.#ready.subscriptionId}/providers/Microsoft.Resources/deployments`;
  }

  async send(method: string, pathOrUrl: string, body?: unknown): Promise<ArmResponse> {
    const url = pathOrUrl.startsWith('https://') ? pathOrUrl : `${this.#ready.controlPlane}${pathOrUrl}`;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const token = await this.#token?.();
    if (token) headers['authorization'] = `Bearer ${token}`;
    const res = await request(url, { method: method as 'GET', dispatcher: this.#dispatcher, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.body.text();
    let parsed: unknown = undefined;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: res.statusCode, headers: res.headers, body: parsed };
  }

  /** Follow a 202's `Location` until it answers something else (bounded). */
  async poll(first: ArmResponse): Promise<ArmResponse> {
    let res = first;
    for (let i = 0; res.status === 202 && i < 600; i++) {
      const location = res.headers['location'];
      if (typeof location !== 'string') break;
      const wait = Number(res.headers['retry-after'] ?? 0);
      if (wait > 0) await new Promise((r) => setTimeout(r, Math.min(wait, 5) * 1000));
      res = await this.send('GET', location);
    }
    return res;
  }

  async close(): Promise<void> {
    await this.#dispatcher.close();
  }
}

interface ArmErrorLike {
  code?: string;
  message?: string;
  target?: string;
  details?: ArmErrorLike[];
  additionalInfo?: Array<{ type?: string; info?: Record<string, unknown> }>;
}

/** The `error` of an ARM answer body, or of a deployment's `properties.error`. */
export function armErrorOf(body: unknown): ArmErrorLike | undefined {
  const b = body as { error?: ArmErrorLike; properties?: { error?: ArmErrorLike } } | undefined;
  return b?.error ?? b?.properties?.error;
}

/** Lines describing an ARM error tree; `locate` turns a template JSON path into `file:line:column`. */
export function describeArmError(e: ArmErrorLike, locate: (jsonPath: string) => string | undefined, indent = ''): string[] {
  const lines = [`${indent}${e.code ?? 'Error'}: ${e.message ?? ''}`];
  for (const a of e.additionalInfo ?? []) {
    if (a.type !== 'TrustlineError' || !a.info) continue;
    const info = a.info;
    const jsonPath = typeof info['jsonPath'] === 'string' ? info['jsonPath'] : undefined;
    const fromFile = typeof info['file'] === 'string' ? `${info['file']}${info['line'] !== undefined ? `:${String(info['line'])}:${String(info['column'] ?? 1)}` : ''}` : undefined;
    // `locate` names the JSON path itself ("file:line:column (path)"); a location from the answer does not.
    const located = fromFile === undefined && jsonPath !== undefined ? locate(jsonPath) : undefined;
    const where = fromFile ?? located;
    lines.push(`${indent}  ${String(info['code'])}${where ? ` at ${where}` : ''}${jsonPath !== undefined && located === undefined ? ` (${jsonPath})` : ''}`);
  }
  for (const d of e.details ?? []) lines.push(...describeArmError(d, locate, indent + '  '));
  return lines;
}
