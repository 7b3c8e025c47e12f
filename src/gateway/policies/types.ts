import type { SourceLocation } from '../../core/index.js';
import type { CompiledExpression } from '../expressions/compile.js';
import type { Value } from '../expressions/values.js';
import type { PolicyNode } from '../policy/xml.js';
import type { RequestRun, SectionName } from '../pipeline/request-run.js';

/** A compiled policy element: `run` never parses anything. */
export interface Step {
  readonly name: string;
  readonly id: string;
  readonly location: SourceLocation;
  /** global | api | operation (for LastError.Scope). */
  readonly scope: string;
  /** Nested position, e.g. `choose[1]/when[2]/set-header[1]`. */
  readonly path: string;
  /** The element as written (named values substituted): static checks read it (`trustline lint`), requests never. */
  readonly node?: PolicyNode;
  run(rc: RequestRun): Promise<void> | void;
  /** The element is, or contains, a cache-store (a cache hit resumes outbound after it). */
  readonly storesCache?: boolean;
  /** Prepares what `run`'s expressions read synchronously (buffers a body they read). */
  before?(rc: RequestRun): Promise<void>;
}

/** An attribute or text value: a literal or a compiled expression. */
export interface ValueSource {
  readonly isExpression: boolean;
  readonly literal: string;
  get(rc: RequestRun): Value;
}

export interface CompileContext {
  readonly loose: boolean;
  readonly file: string | undefined;
  readonly scope: string;
  readonly section: SectionName;
  /** What set-header/set-body change: the request (inbound, backend) or the response. */
  readonly target: 'request' | 'response';
  readonly warnings: string[];
  /** Position prefix of the parent (`choose[1]/when[1]`), '' at section level. */
  readonly pathPrefix: string;
  /** Compile an attribute/text value; `allowExpression: false` → an expression is an error. */
  value(node: PolicyNode, text: string | undefined, what: string, allowExpression?: boolean): ValueSource | undefined;
  /** Compile child policy elements (choose/when bodies). */
  children(nodes: PolicyNode[], pathPrefix: string, target?: 'request' | 'response'): Step[];
  /** ERR_APIM_POLICY_* with the node's location. */
  error(code: string, node: PolicyNode, message: string): Error;
  /** Loose mode: warn; strict: throw. */
  problem(code: string, node: PolicyNode, message: string): void;
  expression(node: PolicyNode, source: string, what: string): CompiledExpression;
}

export interface PolicyDefinition {
  readonly sections: readonly SectionName[];
  /** Allowed attributes (besides `id`); others are a problem. */
  readonly attributes: readonly string[];
  compile(node: PolicyNode, cc: CompileContext, base: StepBase): Step;
}

export interface StepBase {
  readonly name: string;
  readonly id: string;
  readonly location: SourceLocation;
  readonly scope: string;
  readonly path: string;
  /** The element as written (named values substituted): static checks read it (`trustline lint`), requests never. */
  readonly node?: PolicyNode;
}

export const ALL_SECTIONS: readonly SectionName[] = ['inbound', 'backend', 'outbound', 'on-error'];
