import { readFileSync } from 'node:fs';
import { importUndici } from '../../core/index.js';
import { readReadyFile } from '../ready-file.js';
import { firstCallable } from '../first-callable.js';
import { jsonOption, readyFileOption, type RegisterCommand } from '../context.js';

export interface TestOptions {
  readyFile: string;
  /** Print `{checks: [{name, ok, detail}], passed, failed}` instead of lines. */
  json?: boolean;
}

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** A failed call through a gateway: its request id and why the twin answered as it did (its decision records). */
  requestId?: string;
  why?: string;
}

async function decisionsOf(readyFile: string, requestId: string) {
  try {
    const { fetchDecisions } = await import('./explain.js');
    return await fetchDecisions(readyFile, requestId, 1);
  } catch {
    return [];
  }
}

/**
 * The principal Easy Auth sent the function for a gateway request (its site hop's decision record): what a function
 * of the user's own (`--backend`) was told, where the built-in echo's answer is not there to read it from.
 */
async function forwardedPrincipal(readyFile: string, requestId: string): Promise<string | undefined> {
  for (const r of await decisionsOf(readyFile, requestId)) if (r.kind === 'site' && r.principal?.id) return r.principal.id;
  return undefined;
}

/** Why a gateway request was answered as it was: the first failed Easy Auth step of its site hop, else the gateway's own reason. */
async function whyOf(readyFile: string, requestId: string): Promise<string | undefined> {
  try {
    const records = await decisionsOf(readyFile, requestId);
    for (const r of records) {
      if (r.kind !== 'site') continue;
      const failed = r.steps.filter((s) => !s.ok).map((s) => `${s.step}: ${s.reason}`);
      if (failed.length) return `site ${r.site}: ${failed.join('; ')}`;
    }
    const g = records.find((r) => r.kind === 'apim');
    return g && g.kind === 'apim' ? (g.error ? `${g.error.source} ${g.error.reason}: ${g.error.message}` : g.explanation) : undefined;
  } catch {
    return undefined;
  }
}

/** What an empty twin's `trustline test` (and `up`'s banner) says: there is nothing to call yet, and how to deploy. */
export const NOTHING_TO_CHECK =
  'nothing to check: the twin serves no APIM service and no site yet. Deploy into it: `npx trustline deploy DIR` (or `az deployment group create`), or start it with `npx trustline up DIR`.';

/**
 * `trustline test`: the seed's check. Through each gateway → 2xx and the function saw the
 * APIM identity (X-MS-CLIENT-PRINCIPAL-ID = its principal id); straight to each site without
 * a token → 401 with a Bearer challenge.
 */
export async function test(opts: TestOptions, out: (l: string) => void): Promise<number> {
  const ready = readReadyFile(opts.readyFile);
  // Loaded here, not with the command line: every other command (`up` first) starts without it.
  const { Agent, request } = await importUndici();
  const dispatcher = new Agent({ connect: { ca: readFileSync(ready.caCertificate, 'utf8') } });
  const checks: Check[] = [];
  try {
    for (const [name, apim] of Object.entries(ready.apim)) {
      const path = firstCallable(apim.apis);
      if (!path) {
        checks.push({ name: `apim ${name}`, ok: false, detail: 'no GET operation without parameters to call' });
        continue;
      }
      const res = await request(apim.gatewayUrl + path, { dispatcher });
      const text = await res.body.text();
      let seen: string | undefined;
      try {
        seen = (JSON.parse(text) as { headers?: Record<string, string> }).headers?.['x-ms-client-principal-id'];
      } catch {
        seen = undefined;
      }
      const requestId = res.headers['x-trustline-apim-request-id'];
      const echoed = seen !== undefined;
      if (!echoed && res.statusCode < 300 && typeof requestId === 'string') seen = await forwardedPrincipal(opts.readyFile, requestId);
      const ok = res.statusCode >= 200 && res.statusCode < 300 && seen !== undefined && seen === apim.principalId;
      const why = !ok && typeof requestId === 'string' ? await whyOf(opts.readyFile, requestId) : undefined;
      checks.push({
        name: `GET ${name}${path} through the gateway`,
        ok,
        detail: ok ? `${res.statusCode}, the function ${echoed ? 'saw' : 'was sent (Easy Auth\'s decision record)'} principal ${seen}` : `${res.statusCode} ${text.slice(0, 300)} (principal seen: ${seen ?? 'none'}, expected ${apim.principalId})`,
        ...(!ok && typeof requestId === 'string' ? { requestId, ...(why ? { why } : {}) } : {}),
      });
    }
    for (const [name, site] of Object.entries(ready.sites)) {
      const res = await request(site.url + '/api/', { dispatcher });
      await res.body.dump();
      const challenge = String(res.headers['www-authenticate'] ?? '');
      const ok = res.statusCode === 401 && challenge.startsWith('Bearer');
      checks.push({ name: `GET site ${name} without a token`, ok, detail: `${res.statusCode}${challenge ? ` WWW-Authenticate: ${challenge}` : ''}` });
    }
  } finally {
    await dispatcher.close();
  }
  const failed = checks.filter((c) => !c.ok).length;
  if (opts.json) out(JSON.stringify({ checks, passed: checks.length - failed, failed }, null, 2));
  else {
    for (const c of checks) {
      out(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
      if (c.why) out(`     why: ${c.why}`);
      if (c.requestId) out(`     trustline explain --request-id ${c.requestId}`);
    }
    if (checks.length === 0) out(NOTHING_TO_CHECK);
    out(`${checks.length - failed} passed, ${failed} failed`);
  }
  return failed === 0 && checks.length > 0 ? 0 : 1;
}

export const registerTest: RegisterCommand = (program, ctx) => {
  program
    .command('test')
    .description("run the seed's check against the running twin")
    .addOption(readyFileOption())
    .addOption(jsonOption())
    .addHelpText('after', "\nOutput: one line per check ('ok' or 'FAIL', what was called, what came back; a failed call through a gateway also\n" +
      "why, from the twin's decision records, and its request id for `trustline explain`), then 'N passed, N failed';\n--json: {checks: [{name, ok, detail, requestId?, why?}], passed, failed}.\nExit 0 when every check passed, 1 when one failed or there was nothing to check (an empty twin).")
    .action(async (o) => {
      ctx.exit(await test({ readyFile: o.readyFile, json: o.json }, ctx.out));
    });
};
