import { InvalidArgumentError } from 'commander';
import { TwinError } from '../../core/index.js';
import type { DecisionRecord } from '../../runtime/index.js';
import { readReadyFile } from '../ready-file.js';
import { jsonOption, readyFileOption, type RegisterCommand } from '../context.js';

/** The decision records of the running twin: one request's, or the last `last`. */
export async function fetchDecisions(readyFile: string, requestId: string | undefined, last: number): Promise<DecisionRecord[]> {
  const ready = readReadyFile(readyFile);
  // The HTTP client (undici) is loaded when the command runs, not with every command line.
  const [{ ArmClient, armErrorOf }, { controlPlaneToken }] = await Promise.all([import('../arm-client.js'), import('../control-plane-token.js')]);
  const client = new ArmClient(ready, controlPlaneToken(ready));
  try {
    const path = requestId ? `/.trustline/decisions/${encodeURIComponent(requestId)}` : `/.trustline/decisions?last=${last}`;
    const res = await client.send('GET', path);
    // Not a usage error (exit 2): the command line was right, the twin has no such record (exit 1, ARCHITECTURE contracts).
    if (res.status === 404 && requestId) throw new TwinError('ERR_EXPLAIN_NOT_FOUND', `no decision record for request ${requestId}: the twin keeps the most recent requests only (trustline explain --last N lists them)`);
    if (res.status !== 200) throw new TwinError('ERR_EXPLAIN_REFUSED', `the control plane answered ${res.status}: ${armErrorOf(res.body)?.message ?? JSON.stringify(res.body)}`);
    return (res.body as { value: DecisionRecord[] }).value ?? [];
  } finally {
    await client.close();
  }
}

export const registerExplain: RegisterCommand = (program, ctx) => {
  const positive = (v: string) => {
    if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError('It takes a whole number from 1.');
    return Number(v);
  };
  program
    .command('explain')
    .description('explain what the gateway and the sites decided for recent requests, and why')
    .option('--request-id <id>', 'one request: the x-trustline-apim-request-id or x-trustline-site-request-id of its answer')
    .option('--last <n>', 'the last N requests (default 10)', positive)
    .addOption(readyFileOption())
    .addOption(jsonOption())
    .addHelpText(
      'after',
      '\nOutput: one tree per request, oldest first: the gateway (route, each policy step, the managed identity token with its\n' +
        'claims, each backend call) with the site request that call made under it (each Easy Auth check with its reason, the\n' +
        'caller, the function call), and what was answered. --json: the decision records as the control plane serves them.\n' +
        'Every answer of the twin carries its request id: x-trustline-apim-request-id (gateway), x-trustline-site-request-id (site).\n' +
        'Exit codes: 0 printed, 1 no record for that request id (the twin keeps the most recent requests only), the twin\n' +
        'refused the call or no twin runs at the ready file, 2 usage error (e.g. --request-id with --last).',
    )
    .action(async (o: { requestId?: string; last?: number; readyFile: string; json?: boolean }) => {
      if (o.requestId && o.last) throw new TwinError('ERR_CLI_INPUT', 'give --request-id or --last, not both');
      const records = await fetchDecisions(o.readyFile, o.requestId, o.last ?? 10);
      // The tree is the runtime's (the console shows the same); loaded when the command runs.
      const { renderDecisions } = await import('../../runtime/index.js');
      ctx.print(o.json, records, renderDecisions);
    });
};
