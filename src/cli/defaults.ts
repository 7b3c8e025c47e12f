/** Defaults shared by the commands. */
export const DEFAULT_TENANT = 'c1a0f3d2-5b6e-4f7a-8b9c-0d1e2f3a4b5c';
export const DEFAULT_SUBSCRIPTION = '5e7b1c3a-9d2f-4e6a-8b1c-3d5f7a9b1c2e';
export const DEFAULT_RESOURCE_GROUP = 'trustline';
export const DEFAULT_LOCATION = 'westeurope';
export const DEFAULT_STATE_DIR = '.trustline';
/** The base of the stable ports and the proxy's offset (runtime/ports.ts; a test keeps them equal). */
export const DEFAULT_PORT_BASE = 7700;
export const PROXY_PORT_OFFSET = 2;
