import type { ServerResponse } from 'node:http';
import { HOP_BY_HOP, pipeBody } from '../../core/index.js';
import type { EffectivePipeline } from '../policy/compose.js';
import { runSteps, StepFailure } from '../policies/run-steps.js';
import { drain } from './body.js';
import { errorBody, PolicyError, STATUS_REASONS } from './errors.js';
import { setHeader, setListed, toOutgoing, toOutgoingList } from './headers.js';
import type { RequestRun } from './request-run.js';

/** Fill context.Response with the default error answer for `err` (docs/behaviour/apim.md §1.4 step 4). */
export function applyDefaultError(rc: RequestRun, err: PolicyError): void {
  rc.response.statusCode = err.statusCode;
  rc.response.statusReason = STATUS_REASONS[err.statusCode] ?? '';
  rc.response.headers.clear();
  setHeader(rc.response.headers, 'Content-Type', ['application/json']);
  for (const [k, v] of Object.entries(err.extraHeaders ?? {})) setHeader(rc.response.headers, k, [v]);
  drain(rc.responseBody);
  rc.responseBody = { kind: 'text', text: errorBody(err.statusCode, err.responseMessage, rc.requestId) };
}

function setLastError(rc: RequestRun, err: PolicyError, step: StepFailure['step'] | undefined): void {
  rc.lastError = {
    source: err.source, reason: err.reason, message: err.message,
    scope: step?.scope ?? '', section: rc.section, path: step?.path ?? '', policyId: step?.id ?? '',
  };
  rc.decision.error = { ...rc.lastError };
}

/**
 * Run inbound → backend → outbound; on a failure jump to on-error with LastError set and the
 * default error response pre-filled. `initialError` (route/subscription failures) goes straight to on-error.
 */
export async function executePipeline(rc: RequestRun, p: EffectivePipeline, initialError?: PolicyError): Promise<void> {
  try {
    if (initialError) throw initialError;
    rc.section = 'inbound';
    await runSteps(p.inbound, rc);
    if (rc.cacheLookup?.hit) rc.terminated = false;
    else if (!rc.terminated) { rc.section = 'backend'; await runSteps(p.backend, rc); }
    if (!rc.terminated) { rc.section = 'outbound'; await runSteps(p.outbound, rc); }
  } catch (e) {
    const failure = e instanceof StepFailure ? e : undefined;
    const err = failure ? failure.error : e instanceof PolicyError ? e : new PolicyError({ source: 'gateway', reason: 'InternalError', message: (e as Error).message });
    setLastError(rc, err, failure?.step);
    applyDefaultError(rc, err);
    rc.terminated = false;
    rc.section = 'on-error';
    try {
      await runSteps(p['on-error'], rc);
    } catch (e2) {
      const inner = e2 instanceof StepFailure ? e2.error : new PolicyError({ source: 'gateway', reason: 'InternalError', message: (e2 as Error).message });
      rc.services.logger.error('on-error failed', { requestId: rc.requestId, source: inner.source, reason: inner.reason, message: inner.message });
      applyDefaultError(rc, new PolicyError({ source: inner.source, reason: inner.reason, message: inner.message }));
    }
  }
}

/**
 * Write context.Response to the client (text bodies get an exact Content-Length). Returns the body bytes written.
 * `lead`: a header the gateway puts first (its request id): given to `writeHead` with the rest, never by `setHeader`
 * (which sends node down writeHead's slow path, every header set and validated one by one). A response header of
 * the same name replaces its value in that first place, as `setHeader` + `writeHead` did.
 */
export async function sendResponse(rc: RequestRun, res: ServerResponse, lead?: readonly [string, string]): Promise<number> {
  for (const [k, v] of rc.pendingResponseHeaders) if (!rc.response.headers.has(k.toLowerCase())) setHeader(rc.response.headers, k, [v]);
  const body = rc.responseBody;
  const length = body.kind === 'text' ? String(Buffer.byteLength(body.text)) : body.kind === 'none' ? '0' : undefined;
  const reason = rc.response.statusReason || STATUS_REASONS[rc.response.statusCode] || '';
  if (lead && rc.response.headers.has(lead[0].toLowerCase())) {
    const headers = toOutgoing(rc.response.headers, HOP_BY_HOP, { [lead[0]]: lead[1] });
    if (length !== undefined) headers['content-length'] = length;
    res.writeHead(rc.response.statusCode, reason, headers);
  } else {
    // A flat list: node's writeHead takes it as it is (no object with a key per header).
    const headers = toOutgoingList(rc.response.headers, HOP_BY_HOP, lead ? [lead[0], lead[1]] : []);
    if (length !== undefined) setListed(headers, 'content-length', length);
    res.writeHead(rc.response.statusCode, reason, headers);
  }
  if (body.kind === 'stream') {
    let bytes = 0;
    const piped = pipeBody(body.stream, res);
    // Listening after pipe() is attached: both get every chunk, nothing is lost.
    if (rc.meterBytes) body.stream.on('data', (c: Buffer | string) => { bytes += typeof c === 'string' ? Buffer.byteLength(c) : c.length; });
    await piped;
    return bytes;
  }
  res.end(body.kind === 'text' ? body.text : undefined);
  return body.kind === 'text' ? Buffer.byteLength(body.text) : 0;
}

/** Run the request's completions (after the response went out); one failing is logged, not thrown. */
export function runCompletions(rc: RequestRun, responseBytes: number): void {
  if (rc.completions.length === 0) return;
  const length = Number(rc.request.headers.get('content-length')?.values[0] ?? '0');
  const sent = { requestBytes: Number.isFinite(length) ? length : 0, responseBytes };
  for (const c of rc.completions) {
    try {
      c(sent);
    } catch (e) {
      rc.services.logger.warn('a policy completion failed after the response', { requestId: rc.requestId, error: (e as Error)?.message ?? String(e) });
    }
  }
}
