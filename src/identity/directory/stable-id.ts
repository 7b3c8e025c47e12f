import { uuidV5 } from '../../core/index.js';

/** Namespace of the ids the twin derives from names (UUID v5), so that they are the same on every run. */
export const DIRECTORY_ID_NAMESPACE = '6b1f3a52-3c0e-4d8e-9a51-7f0c2f7b9d10';

export const stableId = (tenantId: string, ...parts: string[]): string =>
  uuidV5(DIRECTORY_ID_NAMESPACE, [tenantId.toLowerCase(), ...parts.map((p) => p.toLowerCase())].join('\n'));
