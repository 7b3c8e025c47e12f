import type { ReadyInfo } from '../runtime/index.js';

/**
 * The bearer token the CLI sends to the control plane. Until the twin's token endpoint exists the CLI sends
 * none (the control plane then answers 401 unless started with `--no-auth`).
 */
export function controlPlaneToken(_ready: ReadyInfo): () => Promise<string | undefined> {
  return async () => undefined;
}
