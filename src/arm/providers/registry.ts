import { apimProviders } from './apim.js';
import { authorizationProviders } from './authorization.js';
import { insightsProviders } from './insights.js';
import { keyVaultProviders } from './keyvault.js';
import { managedIdentityProviders } from './managedidentity.js';
import { operationalInsightsProviders } from './operationalinsights.js';
import { storageProviders } from './storage.js';
import type { ResourceProvider } from './types.js';
import { webProviders } from './web.js';
import { graphProviders } from './graph.js';

const ALL: ResourceProvider[] = [
  ...webProviders,
  ...apimProviders,
  ...storageProviders,
  ...insightsProviders,
  ...operationalInsightsProviders,
  ...keyVaultProviders,
  ...managedIdentityProviders,
  ...authorizationProviders,
  ...graphProviders,
];
const BY_TYPE = new Map<string, ResourceProvider>();
for (const p of ALL) for (const t of p.types) BY_TYPE.set(t.toLowerCase(), p);

/** The provider for a full resource type (case-insensitive), or undefined when unsupported. */
export function providerFor(type: string): ResourceProvider | undefined {
  return BY_TYPE.get(type.toLowerCase());
}

export function supportedTypes(): string[] {
  return [...new Set(ALL.flatMap((p) => [...p.types]))];
}
