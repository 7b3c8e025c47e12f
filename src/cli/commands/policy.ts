import { readFileSync } from 'node:fs';
import { describeError, formatLocation, isTwinError, TwinError } from '../../core/index.js';
import { compilePolicy, runPolicy, type PolicyRunRequest } from '../../runtime/index.js';
import { jsonOption, type CliContext, type RegisterCommand } from '../context.js';

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new TwinError('ERR_CLI_INPUT', `cannot read ${what} ${file}: ${describeError(e)}`);
  }
}

function readJson(file: string, what: string): unknown {
  const text = readText(file, what);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new TwinError('ERR_CLI_INPUT', `${what} ${file} is not JSON: ${describeError(e)}`);
  }
}

/** `--named-values F`: `{"name": "value"}` or ARM-like `[{"name", "value"}]`. */
function namedValues(file: string | undefined): Record<string, string> | undefined {
  if (!file) return undefined;
  const v = readJson(file, 'named values file');
  if (Array.isArray(v)) return Object.fromEntries(v.map((x: { name?: unknown; displayName?: unknown; value?: unknown }) => [String(x.displayName ?? x.name), String(x.value ?? '')]));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, String(x)]));
  throw new TwinError('ERR_CLI_INPUT', `named values file ${file} must be an object {"name": "value"} or an array of {name, value}`);
}

function errorLine(e: unknown): string {
  if (isTwinError(e)) return `${e.location ? formatLocation(e.location) + ': ' : ''}${e.code}: ${e.message}`;
  return describeError(e);
}

export async function policyCompile(file: string, o: { namedValues?: string; loose?: boolean; json?: boolean }, ctx: CliContext): Promise<number> {
  const xml = readText(file, 'policy file');
  const nv = namedValues(o.namedValues);
  try {
    const r = compilePolicy(xml, { file, loose: o.loose ?? false, ...(nv ? { namedValues: nv } : {}) });
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

export async function policyRun(file: string, o: { request: string; namedValues?: string; parent?: string; json?: boolean; loose?: boolean }, ctx: CliContext): Promise<number> {
  const xml = readText(file, 'policy file');
  const request = readJson(o.request, 'request file');
  if (!request || typeof request !== 'object' || Array.isArray(request)) throw new TwinError('ERR_CLI_INPUT', `request file ${o.request} must hold a JSON object`);
  const nv = namedValues(o.namedValues);
  let r;
  try {
    r = await runPolicy({
      policy: xml, file, request: request as PolicyRunRequest, loose: o.loose ?? false,
      ...(o.parent ? { parent: readText(o.parent, 'parent policy file'), parentFile: o.parent } : {}),
      ...(nv ? { namedValues: nv } : {}),
    });
  } catch (e) {
    if (!isTwinError(e)) throw e;
    ctx.err(errorLine(e));
    return 1;
  }
  ctx.print(o.json, r, (x) => [
    `${x.status}`,
    ...Object.entries(x.headers).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : v}`),
    '',
    x.body,
    ...(x.backendRequest ? ['', `backend: ${x.backendRequest.method} ${x.backendRequest.url}`] : ['', 'backend: not called']),
  ]);
  return 0;
}

export const registerPolicy: RegisterCommand = (program, ctx) => {
  const policy = program.command('policy').description('compile or run an APIM policy document outside any deployment')
    .addHelpText('after', '\nOutput: see `trustline policy compile --help` and `trustline policy run --help`.');
  policy
    .command('compile <file>')
    .description('load and compile a policy document or fragment as APIM does on save')
    .option('--named-values <file>', 'named values: {"name": "value"}')
    .option('--loose', 'accept what the twin does not support, with warnings')
    .addOption(jsonOption())
    .addHelpText('after', '\nOutput: the compiled tree (--json: {kind, warnings, sections}); exit 0 when it compiled, 1 with the error and its line:column.')
    .action(async (file: string, o) => { ctx.exit(await policyCompile(file, o, ctx)); });
  policy
    .command('run <file>')
    .description('run a policy against one described request with a stub backend')
    .requiredOption('--request <file>', 'REQUEST.json: {method, url, headers, body, api: {path, serviceUrl}, operation: {method, urlTemplate}, backend: {status, headers, body}}')
    .option('--named-values <file>', 'named values: {"name": "value"}')
    .option('--parent <file>', 'the enclosing scope\'s document: <base/> resolves to it (else to nothing)')
    .option('--loose', 'accept what the twin does not support, with warnings')
    .addOption(jsonOption())
    .addHelpText('after', '\nOutput (--json): {status, headers, body, backendRequest: {method, url, headers, body} | null, variables, trace, events}; exit 0 when the policy ran, whatever the status.')
    .action(async (file: string, o) => { ctx.exit(await policyRun(file, o, ctx)); });
};
