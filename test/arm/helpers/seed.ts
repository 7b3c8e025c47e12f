import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ManualClock, memoryLogger, sequentialIds } from '../../../src/core/index.js';
import { openStore } from '../../../src/state/index.js';
import type { DeployOptions, DeploymentScope } from '../../../src/arm/index.js';

export const SEED_TEMPLATE = fileURLToPath(new URL('../../../examples/seed/azuredeploy.json', import.meta.url));
export const SEED_PARAMETERS = fileURLToPath(new URL('../../../examples/seed/azuredeploy.parameters.json', import.meta.url));

export const SCOPE: DeploymentScope = {
  subscriptionId: '11111111-2222-3333-4444-555555555555',
  resourceGroup: 'rg-trustline',
  location: 'westeurope',
  tenantId: '3f9c2b1a-7d4e-4c6b-9a8f-1e2d3c4b5a69',
};

export const RG = `/subscriptions/${SCOPE.subscriptionId}/resourceGroups/${SCOPE.resourceGroup}`;

export function seedText(): string {
  return readFileSync(SEED_TEMPLATE, 'utf8');
}

export function setup(overrides: Partial<DeployOptions> = {}) {
  const store = openStore({ inMemory: true });
  const logger = memoryLogger();
  const options: DeployOptions = {
    store,
    scope: SCOPE,
    clock: new ManualClock(Date.UTC(2026, 10, 29, 12, 0, 0)),
    ids: sequentialIds(),
    logger,
    ...overrides,
  };
  return { store, logger, options };
}

/** Everything in the store, for "unchanged" assertions. */
export function snapshot(store: DeployOptions['store']) {
  return {
    resources: store.listResources().map((r) => JSON.stringify(r)).sort(),
    directory: store.listDirectoryObjects().map((d) => JSON.stringify(d)).sort(),
  };
}
