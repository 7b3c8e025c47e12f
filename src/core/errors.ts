/**
 * One error base class for the whole twin. Every domain error carries a stable `code`
 * (ERR_<AREA>_<WHAT>, listed in docs/errors.md) and, where it comes from user input,
 * a source location (file, JSON path, line:column) so that the user can find the cause.
 */
export interface SourceLocation {
  file?: string;
  /** JSON path inside a template or parameters file, e.g. `resources[2].properties.value`. */
  jsonPath?: string;
  /** 1-based line and column. */
  line?: number;
  column?: number;
}

export interface TwinErrorOptions {
  location?: SourceLocation;
  cause?: unknown;
  /** Extra machine-readable details (never secrets). */
  details?: Record<string, unknown>;
}

export class TwinError extends Error {
  readonly code: string;
  readonly location: SourceLocation | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: TwinErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TwinError';
    this.code = code;
    this.location = options.location;
    this.details = options.details;
  }

  /** `file:line:column (jsonPath)` or '' when there is no location. */
  where(): string {
    return formatLocation(this.location);
  }
}

export function formatLocation(loc: SourceLocation | undefined): string {
  if (!loc) return '';
  const parts: string[] = [];
  let head = loc.file ?? '';
  if (loc.line !== undefined) head += `${head ? ':' : 'line '}${loc.line}${loc.column !== undefined ? `:${loc.column}` : ''}`;
  if (head) parts.push(head);
  if (loc.jsonPath) parts.push(`(${loc.jsonPath})`);
  return parts.join(' ');
}

export function isTwinError(e: unknown): e is TwinError {
  return e instanceof Error && typeof (e as { code?: unknown }).code === 'string' && e.name === 'TwinError';
}

/** A short one-line description for logs and CLI output. */
export function describeError(e: unknown): string {
  if (isTwinError(e)) {
    const where = e.where();
    return `${e.code}: ${e.message}${where ? ` at ${where}` : ''}`;
  }
  if (e instanceof Error) return e.message;
  return String(e);
}
