import { TwinError, isTwinError } from '../../core/index.js';
import type { AadstsName } from '../aadsts.js';

/**
 * A token request the STS refuses: carries the AADSTS table entry and its arguments; the token
 * endpoint renders it as Entra's error body. Code ERR_IDENTITY_STS_REJECTED.
 */
export function stsError(name: AadstsName, args: Record<string, string> = {}, message?: string): TwinError {
  return new TwinError('ERR_IDENTITY_STS_REJECTED', message ?? `token request refused (${name})`, { details: { aadsts: name, args } });
}

export function stsErrorOf(e: unknown): { name: AadstsName; args: Record<string, string> } | undefined {
  if (!isTwinError(e) || e.code !== 'ERR_IDENTITY_STS_REJECTED') return undefined;
  const d = e.details as { aadsts: AadstsName; args: Record<string, string> };
  return { name: d.aadsts, args: d.args };
}
