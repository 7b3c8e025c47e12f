import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describeError, formatLocation, isTwinError, TwinError } from '../../core/index.js';
import { compilePolicy, runPolicy, type PolicyFragmentFile, type PolicyRunRequest, type TwinCompatFlags } from '../../runtime/index.js';
import { unknownNamedValues } from '../../arm/index.js';
import type { CliContext } from '../context.js';

/** A file named on the command line, read relative to the working folder (`ctx.cwd`); messages name it as given. */
function readText(file: string, what: string, cwd: string): string {
  try {
    return readFileSync(resolve(cwd, file), 'utf8');
  } catch (e) {
    throw new TwinError('ERR_CLI_INPUT', `cannot read ${what} ${file}: ${describeError(e)}`);
  }
}

function readJson(file: string, what: string, cwd: string): unknown {
  const text = readText(file, what, cwd);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new TwinError('ERR_CLI_INPUT', `${what} ${file} is not JSON: ${describeError(e)}`);
  }
}

/** `--named-values F`: `{"name": "value"}` or ARM-like `[{"name", "value"}]`. */
function namedValues(file: string | undefined, cwd: string): Record<string, string> | undefined {
  if (!file) return undefined;
  const v = readJson(file, 'named values file', cwd);
  if (Array.isArray(v)) return Object.fromEntries(v.map((x: { name?: unknown; displayName?: unknown; value?: unknown }) => [String(x.displayName ?? x.name), String(x.value ?? '')]));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, String(x)]));
  throw new TwinError('ERR_CLI_INPUT', `named values file ${file} must be an object {"name": "value"} or an array of {name, value}`);
}

/**
 * `{{name}}` references the named values do not define. APIM refuses such a document on save and a deployment fails on
 * it (src/arm/providers/apim-config.ts): with `--named-values` it is an error here too (`--loose`: a warning); without
 * it, a warning that the reference stays as written.
 */
function checkNamedValues(xml: string, file: string, nv: Record<string, string> | undefined, loose: boolean, ctx: CliContext): void {
  const unknown = unknownNamedValues(xml, Object.keys(nv ?? {}).map((name) => ({ name })));
  if (unknown.length === 0) return;
  const refs = unknown.map((n) => `{{${n}}}`).join(', ');
  if (nv === undefined) {
    ctx.err(`warning: ${file}: ${refs} stays as written: give the named values with --named-values F ({"name": "value"}); a deployment refuses a reference its service does not define`);
    return;
  }
  const message = `${refs} names no named value of --named-values (APIM refuses the document on save; a deployment fails on it)`;
  if (!loose) throw new TwinError('ERR_APIM_NAMED_VALUE_NOT_FOUND', message, { location: { file } });
  ctx.err(`warning: ERR_APIM_NAMED_VALUE_NOT_FOUND: ${message} (loose mode: sent as written)`);
}

/**
 * `--fragment ID=FILE` (repeatable): the policy fragments `<include-fragment fragment-id="ID"/>` includes, as a
 * service's `policyFragments` would hold them; a fragment's errors point into its file.
 */
function fragmentFiles(specs: string[] | undefined, cwd: string): PolicyFragmentFile[] {
  const out: PolicyFragmentFile[] = [];
  for (const spec of specs ?? []) {
    const eq = spec.indexOf('=');
    const id = eq > 0 ? spec.slice(0, eq).trim() : '';
    const file = eq > 0 ? spec.slice(eq + 1) : '';
    if (!id || !file) throw new TwinError('ERR_CLI_USAGE', `--fragment '${spec}' must be ID=FILE (the fragment-id and the file of its <fragment> document)`);
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(id)) throw new TwinError('ERR_CLI_USAGE', `--fragment '${spec}': the fragment id '${id}' may hold letters, digits, '-' and '_' (1 to 80)`);
    if (out.some((f) => f.id.toLowerCase() === id.toLowerCase())) throw new TwinError('ERR_CLI_USAGE', `--fragment '${spec}': the fragment id '${id}' is given twice`);
    out.push({ id, value: readText(file, `fragment ${id}`, cwd), source: file });
  }
  return out;
}

/**
 * What `trustline.json` (or `--config FILE`) says that changes how a policy compiles and runs, as `trustline up` and
 * `trustline deploy` honour it: `compat.gateway` (the gateway's compat flags, docs/differences.md) and `loose` (the
 * `--loose` flag wins). A policy then compiles and runs under `policy compile|run` as it does deployed.
 */
function projectSettings(ctx: CliContext, looseFlag: boolean | undefined): { flags: TwinCompatFlags['gateway'] | undefined; loose: boolean } {
  const config = ctx.project()?.config;
  return { flags: config?.compat?.gateway, loose: looseFlag ?? config?.loose ?? false };
}

function errorLine(e: unknown): string {
  if (isTwinError(e)) return `${e.location ? formatLocation(e.location) + ': ' : ''}${e.code}: ${e.message}`;
  return describeError(e);
}

export async function policyCompile(file: string, o: { namedValues?: string; fragment?: string[]; loose?: boolean; json?: boolean }, ctx: CliContext): Promise<number> {
  const xml = readText(file, 'policy file', ctx.cwd);
  const nv = namedValues(o.namedValues, ctx.cwd);
  const fragments = fragmentFiles(o.fragment, ctx.cwd);
  const { flags, loose } = projectSettings(ctx, o.loose);
  try {
    checkNamedValues(xml, file, nv, loose, ctx);
    for (const f of fragments) checkNamedValues(f.value, f.source!, nv, loose, ctx);
    const r = compilePolicy(xml, { file, loose, ...(nv ? { namedValues: nv } : {}), ...(fragments.length ? { fragments } : {}), ...(flags ? { flags } : {}) });
    for (const w of r.warnings) ctx.err(`warning: ${w}`);
    ctx.print(o.json, r, (x) => [
      `${file}: compiled (${x.kind})`,
      ...Object.entries(x.sections).flatMap(([s, steps]) => [`  ${s}:`, ...steps.map((st) => `    ${st.path}${st.id ? ` id=${st.id}` : ''}${st.line ? ` (${st.line}:${st.column})` : ''}`)]),
    ]);
    return 0;
  } catch (e) {
    if (!isTwinError(e)) throw e;
    if (o.json) ctx.out(JSON.stringify({ error: { code: e.code, message: e.message, location: e.location ?? null } }, null, 2));
    else ctx.err(errorLine(e));
    return 1;
  }
}

export async function policyRun(file: string, o: { request: string; namedValues?: string; fragment?: string[]; parent?: string; json?: boolean; loose?: boolean }, ctx: CliContext): Promise<number> {
  const xml = readText(file, 'policy file', ctx.cwd);
  const request = readJson(o.request, 'request file', ctx.cwd);
  if (!request || typeof request !== 'object' || Array.isArray(request)) throw new TwinError('ERR_CLI_INPUT', `request file ${o.request} must hold a JSON object`);
  const nv = namedValues(o.namedValues, ctx.cwd);
  const fragments = fragmentFiles(o.fragment, ctx.cwd);
  const { flags, loose } = projectSettings(ctx, o.loose);
  let r;
  try {
    checkNamedValues(xml, file, nv, loose, ctx);
    for (const f of fragments) checkNamedValues(f.value, f.source!, nv, loose, ctx);
    r = await runPolicy({
      policy: xml, file, request: request as PolicyRunRequest, loose, ...(flags ? { flags } : {}),
      ...(fragments.length ? { fragments } : {}),
      ...(o.parent ? { parent: readText(o.parent, 'parent policy file', ctx.cwd), parentFile: o.parent } : {}),
      ...(nv ? { namedValues: nv } : {}),
    });
  } catch (e) {
    if (!isTwinError(e)) throw e;
    if (o.json) ctx.out(JSON.stringify({ error: { code: e.code, message: e.message, location: e.location ?? null } }, null, 2));
    else ctx.err(errorLine(e));
    return 1;
  }
  ctx.print(o.json, r, (x) => [
    `${x.status}`,
    ...Object.entries(x.headers).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : v}`),
    '',
    x.body,
    ...(x.backendRequest ? ['', `backend: ${x.backendRequest.method} ${x.backendRequest.url}`] : ['', 'backend: not called']),
    ...x.sentRequests.map((c) => `sent: ${c.method} ${c.url}`),
    ...traceLines(x.trace, x.variables),
  ]);
  return 0;
}

interface TraceEntry { source?: string; data?: { scope?: string; path?: string; outcome?: string; message?: string; messages?: unknown[]; twinHint?: string; severity?: string } }
interface TraceShape { traceEntries?: Record<string, TraceEntry[]>; lastError?: { source: string; reason: string; message: string; section: string; path: string } | null }

/** The text form of a run's trace: each policy step with its outcome, trace messages, LastError and the variables. */
function traceLines(trace: unknown, variables: Record<string, unknown>): string[] {
  const t = (trace && typeof trace === 'object' ? trace : {}) as TraceShape;
  const out: string[] = [];
  for (const [section, entries] of Object.entries(t.traceEntries ?? {})) {
    for (const e of entries) {
      const d = e.data ?? {};
      if (d.outcome !== undefined) {
        const mark = d.outcome === 'error' ? '✗' : d.outcome === 'skipped' ? '·' : '✓';
        // APIM's trace messages of a failed expression: the text one, after the reason LastError gives.
        const said = d.message ?? d.messages?.filter((m): m is string => typeof m === 'string').join(' ');
        const reason = d.messages && t.lastError && t.lastError.path === d.path ? `${t.lastError.reason}: ` : '';
        out.push(`  ${mark} ${section} ${d.scope ?? ''} ${d.path ?? e.source ?? ''}${said ? `: ${reason}${said}` : ''}${d.twinHint ? ` (twin: ${d.twinHint})` : ''}`);
      } else out.push(`  ${section} ${e.source ?? ''} ${d.severity ?? ''}: ${d.message ?? ''}`);
    }
  }
  if (t.lastError) out.push(`LastError: ${t.lastError.reason} in ${t.lastError.section} ${t.lastError.path}: ${t.lastError.message}`);
  if (Object.keys(variables).length) out.push(`variables: ${JSON.stringify(variables)}`);
  return out.length ? ['', 'trace:', ...out] : [];
}
