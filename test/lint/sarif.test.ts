/**
 * `trustline lint --sarif`: SARIF 2.1.0 as GitHub code scanning reads it, checked against the OASIS SARIF 2.1.0 JSON
 * schema (rtm.5, the one @microsoft/jest-sarif ships; docs/design/decisions.md) with ajv and its formats.
 */
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { RULES } from '../../src/lint/index.js';
import { APP_CLIENT_ID } from '../helpers/seed.js';
import { byType, lint, seedVariant, setInbound } from './helpers.js';
import { githubUploadProblems } from './github-sarif.js';

const require = createRequire(import.meta.url);
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** The OASIS schema is draft-04: its `id` is `$id` to ajv (draft-07), nothing else it uses differs. */
function sarifValidator() {
  const schema = JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8')) as Record<string, unknown>;
  delete schema.$schema;
  schema.$id = schema.id;
  delete schema.id;
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
  addFormats(ajv);
  return ajv.compile(schema);
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('trustline lint --sarif', () => {
  it('is a valid SARIF 2.1.0 log: one run, the rule table, results with relative uris and regions', async () => {
    const dir = seedVariant((t) => setInbound(t, `    <authentication-managed-identity resource="api://${APP_CLIENT_ID}" ignore-error="true" />`));
    dirs.push(dir);
    const r = await lint([dir, '--sarif'], dir);
    expect(r.code).toBe(1);
    const log = JSON.parse(r.out) as {
      version: string;
      runs: Array<{ tool: { driver: { name: string; rules: Array<{ id: string; defaultConfiguration: { level: string } }> } }; results: Array<{ ruleId: string; ruleIndex: number; level: string; locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn: number } } }> }> }>;
    };
    const validate = sarifValidator();
    const valid = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    // The validator refuses what the schema refuses (a driver without a name, a level SARIF does not have).
    expect(validate({ version: '2.1.0', runs: [{ tool: { driver: {} }, results: [] }] })).toBe(false);
    expect(validate({ ...log, runs: [{ ...log.runs[0]!, results: [{ ...log.runs[0]!.results[0]!, level: 'fatal' }] }] })).toBe(false);
    expect(log.version).toBe('2.1.0');
    expect(log.runs).toHaveLength(1);
    const run = log.runs[0]!;
    expect(run.tool.driver.name).toBe('trustline');
    expect(run.tool.driver.rules.map((x) => [x.id, x.defaultConfiguration.level])).toEqual(RULES.map((x) => [x.id, x.level]));
    expect(run.results.map((x) => `${x.ruleId} ${x.level}`)).toEqual(['TL001 error', 'TL005 warning']);
    for (const res of run.results) {
      expect(run.tool.driver.rules[res.ruleIndex]!.id).toBe(res.ruleId);
      const loc = res.locations[0]!.physicalLocation;
      expect(loc.artifactLocation.uri).toBe('azuredeploy.json');
      expect(loc.region.startLine).toBeGreaterThan(1);
      expect(loc.region.startColumn).toBeGreaterThan(1);
    }
  });

  it('a clean deployment is a log with no results (exit 0); --json with --sarif, or no input, is a usage error (exit 2)', async () => {
    const dir = seedVariant(() => undefined);
    dirs.push(dir);
    const r = await lint([dir, '--sarif'], dir);
    expect(r.code).toBe(0);
    const log = JSON.parse(r.out) as { runs: Array<{ results: unknown[] }> };
    expect(sarifValidator()(log)).toBe(true);
    expect(log.runs[0]!.results).toEqual([]);
    expect((await lint([dir, '--sarif', '--json'], dir)).code).toBe(2);
    const none = await lint([], dir);
    expect(none.code).toBe(2);
    expect(none.err).toContain('ERR_CLI_INPUT');
  });

  it('partialFingerprints: rule + resource + JSON path in it, the same when lines and resource order move; GitHub upload shape', async () => {
    type R = { ruleId: string; partialFingerprints: { primaryLocationLineHash: string }; locations: Array<{ physicalLocation: { region: { startLine: number } } }> };
    const sarif = async (edit: Parameters<typeof seedVariant>[0]) => {
      const dir = seedVariant(edit);
      dirs.push(dir);
      const r = await lint([dir, '--sarif'], dir);
      return JSON.parse(r.out) as { runs: Array<{ results: R[] }> };
    };
    const policy = `    <authentication-managed-identity resource="api://${APP_CLIENT_ID}" ignore-error="true" />`;
    const before = await sarif((t) => setInbound(t, policy));
    // The same policy three lines further down, and its resource moved to the front of the template.
    const after = await sarif((t) => {
      setInbound(t, `\n\n\n${policy}`);
      const p = byType(t, 'Microsoft.ApiManagement/service/apis/policies');
      t.resources.splice(t.resources.indexOf(p), 1);
      t.resources.unshift(p);
    });
    const a = before.runs[0]!.results;
    const b = after.runs[0]!.results;
    expect(a.map((x) => x.ruleId)).toEqual(['TL001', 'TL005']);
    expect(b.map((x) => x.ruleId)).toEqual(['TL001', 'TL005']);
    expect(b[1]!.locations[0]!.physicalLocation.region.startLine).not.toBe(a[1]!.locations[0]!.physicalLocation.region.startLine);
    expect(b.map((x) => x.partialFingerprints.primaryLocationLineHash)).toEqual(a.map((x) => x.partialFingerprints.primaryLocationLineHash));
    const hashes = a.map((x) => x.partialFingerprints.primaryLocationLineHash);
    expect(new Set(hashes).size).toBe(2);
    for (const h of hashes) expect(h).toMatch(/^[0-9a-f]{16}:1$/);
    // What GitHub's upload-sarif and the upload endpoint require, and that the check refuses what they refuse.
    expect(githubUploadProblems(before)).toEqual([]);
    const bad = structuredClone(before) as unknown as { runs: Array<{ results: Array<Record<string, unknown> & { locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }> }> }> };
    bad.runs[0]!.results[0]!.locations[0]!.physicalLocation.artifactLocation.uri = 'file:///home/me/azuredeploy.json';
    delete bad.runs[0]!.results[1]!.partialFingerprints;
    expect(githubUploadProblems(bad)).toEqual([
      "runs[0].results[0].locations[0]: 'file:///home/me/azuredeploy.json' is not a path relative to the checkout",
      'runs[0].results[1]: no partialFingerprints.primaryLocationLineHash',
    ]);
    expect(githubUploadProblems({ runs: [{ tool: { driver: { name: 'trustline' } } }] })).toEqual(["Invalid SARIF. Missing 'results' array in run."]);
  });
});
