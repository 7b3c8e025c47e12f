import type { RequestRun } from './request-run.js';

/**
 * One line saying why the gateway answered what it did, for every non-2xx (logged like the site's
 * refusals: `401 GET https://…/functions/hello: authorization: SubscriptionKeyNotFound: …`).
 */
export function explainDecision(rc: RequestRun): string | undefined {
  const status = rc.response.statusCode;
  if (status >= 200 && status < 300) return undefined;
  const e = rc.lastError;
  if (e) {
    const where = e.path ? ` at ${e.section} ${e.path} (${e.scope} scope${e.policyId ? `, id '${e.policyId}'` : ''})` : '';
    const handled = rc.answeredBy ? `; on-error answered with ${rc.answeredBy}` : '';
    return `${e.source}${where}: ${e.reason}: ${e.message}${handled}`;
  }
  if (rc.answeredBy) return `${rc.answeredBy} answered ${status}`;
  if (rc.forwarded) {
    const b = rc.decision.backend.at(-1);
    return `the backend answered ${status}${b ? ` (${b.method} ${b.url})` : ''}`;
  }
  return `a policy set the status ${status}`;
}
