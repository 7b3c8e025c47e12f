import { TwinError, isTwinError } from '../core/index.js';
import type { SourceLocation } from '../core/index.js';

/** All error codes of the ARM subsystem (documented in docs/errors/arm.md). */
export const ARM_ERROR_CODES = [
  'ERR_ARM_TEMPLATE_PARSE',
  'ERR_ARM_TEMPLATE_INVALID',
  'ERR_ARM_TEMPLATE_UNSUPPORTED',
  'ERR_ARM_PARAMETERS_FILE_INVALID',
  'ERR_ARM_KEYVAULT_REFERENCE',
  'ERR_ARM_PARAMETER_MISSING',
  'ERR_ARM_PARAMETER_UNKNOWN',
  'ERR_ARM_PARAMETER_INVALID',
  'ERR_ARM_VARIABLE_UNKNOWN',
  'ERR_ARM_CIRCULAR_REFERENCE',
  'ERR_ARM_EXPRESSION_SYNTAX',
  'ERR_ARM_EXPRESSION_EVAL',
  'ERR_ARM_FUNCTION_UNKNOWN',
  'ERR_ARM_FUNCTION_ARGUMENTS',
  'ERR_ARM_PROPERTY_NOT_FOUND',
  'ERR_ARM_REFERENCE_NOT_ALLOWED',
  'ERR_ARM_RESOURCE_NOT_FOUND',
  'ERR_ARM_RESOURCE_INVALID',
  'ERR_ARM_RESOURCE_SEGMENTS',
  'ERR_ARM_RESOURCE_TYPE_UNSUPPORTED',
  'ERR_ARM_API_VERSION_UNSUPPORTED',
  'ERR_ARM_RESOURCE_DUPLICATE',
  'ERR_ARM_DEPENDENCY_NOT_FOUND',
  'ERR_ARM_DEPENDENCY_CYCLE',
  'ERR_ARM_COPY_INVALID',
  'ERR_ARM_OUTPUT_INVALID',
  'ERR_ARM_LIST_UNSUPPORTED',
  'ERR_ARM_LIMIT_EXCEEDED',
  'ERR_ARM_INTERNAL',
] as const;

export type ArmErrorCode = (typeof ARM_ERROR_CODES)[number];

export function armError(code: ArmErrorCode, message: string, location?: SourceLocation, details?: Record<string, unknown>): TwinError {
  return new TwinError(code, message, { ...(location ? { location } : {}), ...(details ? { details } : {}) });
}

/** ARM-style " at line 'L' and column 'C'" suffix, or '' when unknown. */
export function atLine(location: SourceLocation | undefined): string {
  if (!location || location.line === undefined) return '';
  return ` at line '${location.line}' and column '${location.column ?? 1}'`;
}

/** Give a location-less TwinError a location (errors raised deep inside the evaluator). */
export function withLocation(e: unknown, location: SourceLocation | undefined, prefix?: (msg: string) => string): unknown {
  if (!isTwinError(e) || e.location !== undefined || !location) return e;
  return new TwinError(e.code, prefix ? prefix(e.message) : e.message, {
    location,
    cause: e,
    ...(e.details ? { details: e.details } : {}),
  });
}
