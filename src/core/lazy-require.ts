import { createRequire } from 'node:module';

const requireHere = createRequire(import.meta.url);

/**
 * A CommonJS dependency loaded synchronously on first use instead of with the module that uses it: for libraries
 * that only some deployments or policies need (yaml for OpenAPI YAML imports, liquidjs for Liquid templates), so that
 * `trustline up` does not load them when nothing uses them (bench/RESULTS.md, start-up). Node caches the module.
 */
export function requireOnFirstUse<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= requireHere(name) as T);
}
