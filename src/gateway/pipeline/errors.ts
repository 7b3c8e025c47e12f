/** A policy-raised or built-in error that sends the request to on-error (docs/behaviour/apim.md §1.4, §1.5). */
export class PolicyError extends Error {
  readonly source: string;
  readonly reason: string;
  /** The default response that on-error starts from. */
  readonly statusCode: number;
  /** Default body message; undefined → the 500 body with an activityId. */
  readonly responseMessage: string | undefined;
  readonly extraHeaders: Record<string, string> | undefined;
  /** APIM's trace messages for the failing policy (`data.messages`), when they differ from the message alone. */
  readonly traceMessages: readonly unknown[] | undefined;
  /** The twin's pointer to the cause (decision record and log only, never LastError or the trace). */
  readonly hint: string | undefined;
  constructor(init: {
    source: string; reason: string; message: string; statusCode?: number; responseMessage?: string; headers?: Record<string, string>;
    traceMessages?: readonly unknown[]; hint?: string | undefined;
  }) {
    super(init.message);
    this.name = 'PolicyError';
    this.source = init.source;
    this.reason = init.reason;
    this.statusCode = init.statusCode ?? 500;
    this.responseMessage = init.responseMessage;
    this.extraHeaders = init.headers;
    this.traceMessages = init.traceMessages;
    this.hint = init.hint;
  }
}

/**
 * The gateway's own error body, `{ "statusCode": N, "message": "…" }` — spaced as APIM writes it
 * (the observed 401 had Content-Length 152, which is this spacing). Without a message: the 500 body
 * with an activityId.
 */
export function errorBody(statusCode: number, message: string | undefined, activityId: string): string {
  if (message === undefined) return `{ "statusCode": 500, "message": "Internal server error", "activityId": ${JSON.stringify(activityId)} }`;
  return `{ "statusCode": ${statusCode}, "message": ${JSON.stringify(message)} }`;
}

export const STATUS_REASONS: Record<number, string> = {
  200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 301: 'Moved Permanently', 302: 'Found', 304: 'Not Modified',
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict',
  429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};
