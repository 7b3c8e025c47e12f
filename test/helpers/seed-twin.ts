import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { loadParametersFile, loadTemplateFile } from '../../src/arm/index.js';
import { randomIds, systemClock, type Logger } from '../../src/core/index.js';
import { startTwin, type Twin } from '../../src/runtime/index.js';
import { SEED, TENANT } from './seed.js';

/** An in-process twin (in-memory state) with examples/seed deployed, and an undici agent trusting its CA. */
export interface SeedTwin {
  twin: Twin;
  tls: Agent;
  close(): Promise<void>;
}

export async function startSeedTwin(prefix: string, options: { subscriptionId: string; logger: Logger }): Promise<SeedTwin> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const twin = await startTwin({
    stateDir: dir, inMemory: true, tenantId: TENANT, subscriptionId: options.subscriptionId,
    resourceGroup: 'rg', location: 'westeurope', clock: systemClock, ids: randomIds, logger: options.logger,
  });
  await twin.deploy({ deploymentName: 'seed', template: loadTemplateFile(join(SEED, 'azuredeploy.json')), parameters: loadParametersFile(join(SEED, 'azuredeploy.parameters.json')) });
  const tls = new Agent({ connect: { ca: readFileSync(twin.ready().caCertificate, 'utf8') } });
  return {
    twin,
    tls,
    async close() {
      await tls.close();
      await twin.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
