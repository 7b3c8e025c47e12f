import { ManualClock } from '../../../src/core/index.js';
import { runPolicy, type GatewayCompatFlags, type PolicyRunRequest, type PolicyRunResult } from '../../../src/gateway/index.js';

/** Run a policy document through `trustline policy run`'s library (the gateway's compiled pipeline). */
export function run(policy: string, request: PolicyRunRequest = {}, extra: { parent?: string; namedValues?: Record<string, string>; clock?: ManualClock; flags?: Partial<GatewayCompatFlags> } = {}): Promise<PolicyRunResult> {
  return runPolicy({ policy, file: 'policy.xml', request, clock: extra.clock ?? new ManualClock(Date.UTC(2026, 0, 1)), ...extra });
}

/** A document with these inbound policies, forwarding to the stub backend. */
export const inbound = (xml: string, outbound = '') =>
  `<policies><inbound>${xml}</inbound><backend><forward-request/></backend><outbound>${outbound}</outbound><on-error/></policies>`;
