/** What a new user reads first: `trustline up`'s banner and `trustline test`, on the seed and on an empty twin. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { printSummary } from '../../src/cli/actions/up.js';
import { NOTHING_TO_CHECK, test as runTest } from '../../src/cli/commands/test.js';
import type { ReadyInfo } from '../../src/runtime/index.js';

const base: ReadyInfo = {
  controlPlane: 'https://127.0.0.1:7700', console: 'https://127.0.0.1:7700/?console-key=k', tenantId: 't', subscriptionId: 's', resourceGroup: 'rg',
  caCertificate: '/tmp/ca.pem', proxy: 'http://127.0.0.1:7702',
  identity: { authority: 'https://127.0.0.1:7703/t', tokenEndpoint: 'x', identityEndpoint: 'http://127.0.0.1:7704/msi/token', identityHeader: 'h', imdsEndpoint: 'x' },
  sites: {}, apim: {},
} as unknown as ReadyInfo;
const seed = {
  ...base,
  sites: { 'trustline-func': { url: 'https://127.0.0.1:7720', httpUrl: 'http://127.0.0.1:7721', hostName: 'trustline-func.azurewebsites.net', clientId: 'c' } },
  apim: { 'trustline-apim': { gatewayUrl: 'https://127.0.0.1:7760', hostName: 'trustline-apim.azure-api.net', principalId: 'p', apis: [{ name: 'functions', path: 'functions', operations: [{ name: 'hello', method: 'GET', urlTemplate: '/hello' }] }] } },
} as unknown as ReadyInfo;
const banner = (ready: ReadyInfo, file = '/elsewhere/ready.json') => {
  const lines: string[] = [];
  printSummary(ready, file, (l) => lines.push(l));
  return lines.join('\n');
};

describe("trustline up's banner", () => {
  it("points tools at the twin as the APIM service's managed identity, in bash and pwsh alike", () => {
    const text = banner(seed);
    expect(text).toContain("as APIM trustline-apim's managed identity");
    expect(text).toContain('  eval "$(npx trustline env --ready-file /elsewhere/ready.json --identity trustline-apim)"');
    expect(text).toContain('  npx trustline env --ready-file /elsewhere/ready.json --identity trustline-apim --shell pwsh | Invoke-Expression');
    expect(text).toContain('curl https://trustline-apim.azure-api.net/functions/hello');
    expect(text).toContain('npx trustline test --ready-file /elsewhere/ready.json');
  });

  it('an empty twin: says how to deploy, not checks that cannot pass', () => {
    const text = banner(base);
    expect(text).toContain('  eval "$(npx trustline env --ready-file /elsewhere/ready.json)"');
    expect(text).toContain('Nothing is deployed yet: `npx trustline deploy DIR --ready-file /elsewhere/ready.json`');
    expect(text).not.toContain('trustline test');
  });
});

describe('trustline test on an empty twin', () => {
  it('says there is nothing to check and how to deploy (exit 1)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trustline-test-empty-'));
    try {
      writeFileSync(join(dir, 'ca.pem'), 'not used: nothing is called\n');
      writeFileSync(join(dir, 'ready.json'), JSON.stringify({ ...base, caCertificate: join(dir, 'ca.pem') }));
      const lines: string[] = [];
      expect(await runTest({ readyFile: join(dir, 'ready.json') }, (l) => lines.push(l))).toBe(1);
      expect(lines).toEqual([NOTHING_TO_CHECK, '0 passed, 0 failed']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
