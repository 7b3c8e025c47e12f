import { TwinError, type SourceLocation } from '../core/index.js';

/**
 * Every TwinError code raised by the identity subsystem (listed in docs/errors/identity.md).
 * The HTTP routes translate them into each surface's own wire shape (App Service MI, IMDS, Entra STS).
 */
export const IDENTITY_ERROR_CODES = [
  'ERR_IDENTITY_OPTIONS_INVALID',
  'ERR_IDENTITY_SIGNING_KEY_INVALID',
  'ERR_IDENTITY_RESOURCE_MISSING',
  'ERR_IDENTITY_RESOURCE_NOT_FOUND',
  'ERR_IDENTITY_SELECTOR_CONFLICT',
  'ERR_IDENTITY_MI_NOT_FOUND',
  'ERR_IDENTITY_MI_AMBIGUOUS',
  'ERR_IDENTITY_DIRECTORY_READ',
  'ERR_IDENTITY_DIRECTORY_INVALID',
  'ERR_IDENTITY_STS_REJECTED',
] as const;

export type IdentityErrorCode = (typeof IDENTITY_ERROR_CODES)[number];

export function identityError(
  code: IdentityErrorCode,
  message: string,
  details?: Record<string, unknown>,
  cause?: unknown,
  location?: SourceLocation,
): TwinError {
  return new TwinError(code, message, {
    ...(details ? { details } : {}),
    ...(cause === undefined ? {} : { cause }),
    ...(location ? { location } : {}),
  });
}

export function isIdentityErrorCode(code: string): code is IdentityErrorCode {
  return (IDENTITY_ERROR_CODES as readonly string[]).includes(code);
}
