import { apimProviders } from './apim.js';
import type { ResourceProvider } from './types.js';
import { webProviders } from './web.js';

const BY_TYPE = new Map<string, ResourceProvider>();
for (const p of [...webProviders, ...apimProviders]) for (const t of p.types) BY_TYPE.set(t.toLowerCase(), p);

/** The provider for a full resource type (case-insensitive), or undefined when unsupported. */
export function providerFor(type: string): ResourceProvider | undefined {
  return BY_TYPE.get(type.toLowerCase());
}

export function supportedTypes(): string[] {
  return [...new Set([...webProviders, ...apimProviders].flatMap((p) => [...p.types]))];
}
