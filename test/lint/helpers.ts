import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { afterAll } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/index.js';
import { SEED } from '../helpers/seed.js';

export interface LintRun {
  code: number;
  out: string;
  err: string;
}

export async function lint(args: string[], cwd?: string): Promise<LintRun> {
  let out = '';
  let err = '';
  const code = await main(['lint', ...args], { stdout: (s) => (out += s), stderr: (s) => (err += s), ...(cwd ? { cwd } : {}) });
  return { code, out, err };
}

export interface JsonFinding {
  rule: string;
  level: string;
  message: string;
  locations: Array<{ file: string; jsonPath?: string; line: number; column: number; resourceId?: string; resourcePath?: string }>;
}

export async function lintJson(args: string[], cwd?: string): Promise<{ code: number; findings: JsonFinding[] }> {
  const r = await lint([...args, '--json'], cwd);
  return { code: r.code, findings: (JSON.parse(r.out) as { findings: JsonFinding[] }).findings };
}

type Template = { resources: Array<{ type: string; properties: Record<string, unknown>; identity?: unknown; [k: string]: unknown }>; [k: string]: unknown };

/** The seed template, changed by `edit`, written with the seed's parameters into a fresh folder. */
export function seedVariant(edit: (t: Template) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'trustline-lint-'));
  const t = JSON.parse(readFileSync(join(SEED, 'azuredeploy.json'), 'utf8')) as Template;
  edit(t);
  writeFileSync(join(dir, 'azuredeploy.json'), JSON.stringify(t, null, 2));
  copyFileSync(join(SEED, 'azuredeploy.parameters.json'), join(dir, 'azuredeploy.parameters.json'));
  return dir;
}

export const byType = (t: Template, type: string) => t.resources.find((r) => r.type === type)!;

/** The seed's API policy with `inbound` as its inbound section (after `<base />`). */
export function setInbound(t: Template, inbound: string): void {
  byType(t, 'Microsoft.ApiManagement/service/apis/policies').properties.value =
    `<policies>\n  <inbound>\n    <base />\n${inbound}\n  </inbound>\n  <backend>\n    <base />\n  </backend>\n  <outbound>\n    <base />\n  </outbound>\n  <on-error>\n    <base />\n  </on-error>\n</policies>`;
}

/** `seedVariant` for the tests of one file: every folder it makes is removed after them. */
export function useVariants(): (edit: Parameters<typeof seedVariant>[0]) => string {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return (edit) => {
    const d = seedVariant(edit);
    dirs.push(d);
    return d;
  };
}

/** `rule level` of each finding, in order. */
export const rules = (findings: JsonFinding[]) => findings.map((f) => `${f.rule} ${f.level}`);
