export { normalizeAuthSettings } from './settings/normalize-settings.js';
export type {
  AuthSettings,
  AzureActiveDirectorySettings,
  UnauthenticatedClientAction,
  ForwardProxyConvention,
} from './settings/types.js';
export { createEasyAuthHandler } from './pipeline/create-handler.js';
export type { EasyAuthOptions, EasyAuthHandler } from './pipeline/options.js';
export type { AuthDecision, AuthStep, AuthOutcome } from './pipeline/trace.js';
export { defaultCompatFlags, resolveCompatFlags } from './compat-flags.js';
export type { EasyAuthCompatFlags } from './compat-flags.js';
export { encodeClientPrincipal, buildClientPrincipal } from './principal/client-principal.js';
export type { ClientPrincipal } from './principal/client-principal.js';
export { SessionStore } from './session/session-store.js';
export type { Session } from './session/session-store.js';
