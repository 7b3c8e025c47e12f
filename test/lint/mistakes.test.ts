/**
 * examples/mistakes/ (README "Try the mistakes…"): `trustline lint` catches each before it is deployed, with the
 * reason the running twin gives after it is deployed — the site's decision record `trustline explain` shows (one
 * source of truth: the runtime's own Easy Auth decides both). The seed lints clean.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { loadParametersFile, loadTemplateFile } from '../../src/arm/index.js';
import { memoryLogger, randomIds, systemClock } from '../../src/core/index.js';
import { startTwin, type SiteDecision, type Twin } from '../../src/runtime/index.js';
import { ROOT } from '../helpers/cli-process.js';
import { SEED, TENANT } from '../helpers/seed.js';
import { lintJson } from './helpers.js';

const example = (name: string) => join(ROOT, 'examples', 'mistakes', name);
/** GUIDs minted per twin (the APIM identity's ids) differ between two twins; the rest of a reason must not. */
const minted = (s: string, keep: string[]) => s.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, (g) => (keep.includes(g.toLowerCase()) ? g : '<minted>'));

describe('trustline lint on examples/', () => {
  let twin: Twin;
  let dir: string;
  let tls: Agent;
  const params = JSON.parse(readFileSync(join(SEED, 'azuredeploy.parameters.json'), 'utf8')) as { parameters: Record<string, { value: string }> };
  const fixed = Object.values(params.parameters).map((p) => p.value.toLowerCase());

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trustline-lint-mistakes-'));
    twin = await startTwin({ stateDir: dir, inMemory: true, tenantId: TENANT, subscriptionId: '1a2b3c4d-0000-4000-8000-000000000009', resourceGroup: 'rg', location: 'westeurope', clock: systemClock, ids: randomIds, logger: memoryLogger() });
    tls = new Agent({ connect: { ca: readFileSync(twin.ready().caCertificate, 'utf8') } });
  });
  afterAll(async () => {
    await tls?.close();
    await twin?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Deploy into the running twin, call the gateway, and read the site's decision record (as `trustline explain`). */
  const deployedReason = async (folder: string): Promise<{ status: number; site: SiteDecision }> => {
    await twin.deploy({ deploymentName: folder.split('/').pop()!, template: loadTemplateFile(join(folder, 'azuredeploy.json')), parameters: loadParametersFile(join(folder, 'azuredeploy.parameters.json')) });
    const res = await request(`${twin.ready().apim['trustline-apim']!.gatewayUrl}/functions/hello`, { dispatcher: tls });
    await res.body.dump();
    const site = twin.decisions.requests(1).flat().find((d): d is SiteDecision => d.kind === 'site');
    expect(site).toBeDefined();
    return { status: res.statusCode, site: site! };
  };

  it('the seed lints clean (exit 0), and the deployed seed lets APIM in', async () => {
    const { code, findings } = await lintJson([SEED], ROOT);
    expect(findings).toEqual([]);
    expect(code).toBe(0);
    expect((await deployedReason(SEED)).status).toBe(200);
  });

  for (const [name, rule, status] of [
    ['no-token-policy', 'TL002', 401],
    ['api-uri-audience', 'TL001', 401],
    ['allowed-applications-self', 'TL001', 403],
  ] as const) {
    it(`${name}: caught before deploying (${rule}) with the reason the deployed twin gives (${status})`, async () => {
      const { code, findings } = await lintJson([example(name)], ROOT);
      expect(code).toBe(1);
      expect(findings.map((f) => `${f.rule} ${f.level}`)).toEqual([`${rule} error`]);
      const f = findings[0]!;
      expect(f.message).toContain(`answers ${status} `);
      expect(f.locations.map((l) => l.file)).toEqual([`examples/mistakes/${name}/azuredeploy.json`, `examples/mistakes/${name}/azuredeploy.json`]);
      expect(f.locations[0]!.jsonPath).toBe('resources[6].properties.value');
      if (rule === 'TL001') {
        // The policy is built by [concat(…)]: the element's start tag stands literally in it, and the finding points there.
        const text = readFileSync(join(example(name), 'azuredeploy.json'), 'utf8');
        const before = text.slice(0, text.indexOf('<authentication-managed-identity')).split('\n');
        expect([f.locations[0]!.line, f.locations[0]!.column]).toEqual([before.length, before.at(-1)!.length + 1]);
      }

      const deployed = await deployedReason(example(name));
      expect(deployed.status).toBe(status);
      expect(deployed.site.status).toBe(status);
      // The site's decision record as `trustline explain --json` prints it: its failed steps are the reason the lint gave.
      const failed = deployed.site.steps.filter((x) => !x.ok).map((x) => `${x.step}: ${x.reason}`);
      expect(failed.length).toBeGreaterThan(0);
      expect(minted(f.message, fixed)).toContain(`(${minted(failed.join('; '), fixed)})`);
    });
  }
});
