import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseJsonDocument } from '../../arm/index.js';

/** One entry of ARM's `error.additionalInfo` (`ErrorAdditionalInfo`). */
export interface ArmAdditionalInfo {
  type: string;
  info: unknown;
}

/** ARM's error object (`ErrorDetail`): the body is always `{ error: ArmErrorBody }`. */
export interface ArmErrorBody {
  code: string;
  message: string;
  target?: string;
  details?: ArmErrorBody[];
  additionalInfo?: ArmAdditionalInfo[];
}

/**
 * An answer the control plane gives as ARM's error envelope. Thrown by route handlers and turned into
 * the response at one edge (`sendArmError`); never carries twin error codes in `code`/`details[].code`.
 */
export class ArmHttpError extends Error {
  readonly status: number;
  readonly body: ArmErrorBody;
  readonly headers: Record<string, string>;
  /**
   * A resource provider's own error body, which ARM passes through as the provider wrote it (App Service's
   * `{Code, Message, Target, Details, Innererror}`); absent: ARM's `{error: body}`.
   */
  readonly providerBody: unknown;
  constructor(status: number, body: ArmErrorBody, headers: Record<string, string> = {}, providerBody?: unknown) {
    super(body.message);
    this.name = 'ArmHttpError';
    this.status = status;
    this.body = body;
    this.headers = headers;
    this.providerBody = providerBody;
  }

  /** The same answer with response headers (e.g. `WWW-Authenticate`). */
  withHeaders(headers: Record<string, string>): ArmHttpError {
    return new ArmHttpError(this.status, this.body, { ...this.headers, ...headers }, this.providerBody);
  }
}

export function armHttpError(status: number, code: string, message: string, extra: Omit<ArmErrorBody, 'code' | 'message'> = {}): ArmHttpError {
  return new ArmHttpError(status, { code, message, ...extra });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

/** A response without a body (204, 202 with Location, HEAD answers). */
export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-length': '0', ...headers });
  res.end();
}

export function sendArmError(req: IncomingMessage, res: ServerResponse, e: ArmHttpError): void {
  if (req.method === 'HEAD') return sendEmpty(res, e.status, e.headers);
  sendJson(res, e.status, e.providerBody ?? { error: e.body }, e.headers);
}

/**
 * Newtonsoft (ARM's reader) accepts unquoted property names, and the az CLI relies on it: it splices the
 * template text into the body as `…, template:{…}}` (azure-cli `JsonCTemplatePolicy`). Quote such names
 * (outside strings and comments) so the JSONC reader takes them. Linear in the text.
 */
export function quoteBareKeys(text: string): string {
  let out = '';
  let last = 0;
  let prev = '';
  const n = text.length;
  for (let i = 0; i < n; ) {
    const c = text[i]!;
    if (c === '"') {
      i++;
      while (i < n && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      prev = '"';
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      continue;
    }
    if ((prev === '{' || prev === ',') && /[A-Za-z_$]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_$]/.test(text[j]!)) j++;
      let k = j;
      while (k < n && /\s/.test(text[k]!)) k++;
      if (text[k] === ':') {
        out += text.slice(last, i) + '"' + text.slice(i, j) + '"';
        last = j;
      }
      prev = 'x';
      i = j;
      continue;
    }
    if (!/\s/.test(c)) prev = c;
    i++;
  }
  return last === 0 ? text : out + text.slice(last);
}

/** ARM's request size limit (templates: 4 MB, docs/limits.md). */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

async function readText(req: IncomingMessage, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > maxBytes) {
      req.resume();
      throw armHttpError(413, 'RequestContentTooLarge', `The request content size exceeds the maximum size of ${Math.floor(maxBytes / (1024 * 1024))} MB.`);
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The JSON object of a request body. Empty, unparsable, `null` or non-object bodies get ARM's 400
 * `InvalidRequestContent` (never a 500). `optional` bodies may be empty (→ `{}`).
 */
export async function readJsonObject(req: IncomingMessage, options: { optional?: boolean; maxBytes?: number } = {}): Promise<Record<string, unknown>> {
  const text = await readText(req, options.maxBytes ?? MAX_REQUEST_BYTES);
  if (text.trim() === '') {
    if (options.optional) return {};
    throw armHttpError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized: \'The request content is empty.\'.');
  }
  // ARM reads request bodies as Newtonsoft does: comments, trailing commas and raw control characters in strings
  // are accepted (the az CLI sends `--template-file` text as written, comments included).
  let value: unknown;
  try {
    value = parseJsonDocument(quoteBareKeys(text)).value;
  } catch (e) {
    throw armHttpError(400, 'InvalidRequestContent', `The request content was invalid and could not be deserialized: '${(e as Error).message}'.`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const what = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    throw armHttpError(400, 'InvalidRequestContent', `The request content was invalid and could not be deserialized: 'The request content is ${what}; a JSON object is expected.'.`);
  }
  return value as Record<string, unknown>;
}
