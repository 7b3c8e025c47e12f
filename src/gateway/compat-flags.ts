/**
 * Gateway behaviour that Azure does not document (apim spec [?] items): each rule the twin infers is
 * a named flag with the default it believes closest to Azure. docs/differences.md lists them.
 */
export interface GatewayCompatFlags {
  /** Protocols of an API whose `protocols` property is absent. Default `['https']` (the portal's default). */
  defaultApiProtocols: readonly string[];
  /**
   * A subscription key that matches no active subscription, sent to an API that does not require one:
   * `ignore` (default: the call goes on without a subscription) or `reject` (401 invalid key).
   */
  invalidKeyWhenNotRequired: 'ignore' | 'reject';
  /**
   * After a failed `authentication-managed-identity` with `ignore-error="true"`: `leave-unset` (default:
   * no header, no variable) or `empty-bearer` (the policy toolkit's emulator: `Authorization: Bearer ` or `""`).
   */
  ignoredTokenFailure: 'leave-unset' | 'empty-bearer';
}

export const defaultGatewayCompatFlags: Readonly<GatewayCompatFlags> = Object.freeze({
  defaultApiProtocols: ['https'],
  invalidKeyWhenNotRequired: 'ignore',
  ignoredTokenFailure: 'leave-unset',
});

export function resolveGatewayCompatFlags(partial: Partial<GatewayCompatFlags> = {}): GatewayCompatFlags {
  return { ...defaultGatewayCompatFlags, ...partial };
}
