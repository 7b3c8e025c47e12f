import { parseJson } from '../expressions/lib-json.js';
import { PolicyError } from '../pipeline/errors.js';
import type { RequestRun } from '../pipeline/request-run.js';
import type { PolicyNode } from '../policy/xml.js';
import type { ApiSchema, ParameterContract } from '../types.js';
import type { CompileContext, ValueSource } from './types.js';
import { str } from './util.js';

/**
 * What the validation policies share (validate-content, validate-parameters, validate-headers,
 * validate-status-code; docs/behaviour/apim.md §2, validation policies): the actions, the error records
 * `{Name, Type, ValidationRule, Details, Action}` kept in `errors-variable-name`, and `prevent`'s answer —
 * 400 in inbound, 502 in outbound/on-error, `{statusCode, message}` with the public response of Learn's error
 * table, LastError Reason "Bad request" / "Response not allowed" and Message = the details. [doc]
 */
export type Action = 'ignore' | 'detect' | 'prevent';
const ACTIONS: readonly string[] = ['ignore', 'detect', 'prevent'];

/** The answer a client gets for an error about the response, or about the API's own schema. */
export const INTERNAL_PUBLIC = 'The request could not be processed due to an internal error. Contact the API owner.';

/** An action attribute: a literal is checked at load; an expression (validate-parameters/-headers) when it runs. */
export function compileAction(cc: CompileContext, node: PolicyNode, attr: string, required: boolean, allowExpression = false): ValueSource | undefined {
  const raw = node.attrs[attr];
  if (raw === undefined) {
    if (required) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, `<${node.name}> requires the attribute '${attr}'`);
    return undefined;
  }
  const v = cc.value(node, raw, `attribute '${attr}'`, allowExpression)!;
  if (!v.isExpression && !ACTIONS.includes(raw.trim().toLowerCase())) {
    throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, `Attribute '${attr}' of <${node.name}> must be ignore, prevent or detect, not '${raw}'`);
  }
  return v;
}

export function actionOf(v: ValueSource | undefined, rc: RequestRun, dflt: Action): Action {
  if (!v) return dflt;
  const a = str(v.get(rc)).trim().toLowerCase();
  if (!ACTIONS.includes(a)) {
    throw new PolicyError({ source: rc.currentStep?.policy ?? 'validation', reason: 'ExpressionValueEvaluationFailure', message: `The action '${a}' is not one of ignore, prevent, detect.` });
  }
  return a as Action;
}

export interface ValidationError { Name: string; Type: string; ValidationRule: string; Details: string; Action: string }

/** One run of a validation policy: collects errors; `prevent` ends the section with the policy's error answer. */
export class ValidationRun {
  readonly errors: ValidationError[] = [];
  constructor(readonly rc: RequestRun, readonly policy: string, readonly errorsVariable: string | undefined, readonly aboutRequest: boolean) {}

  add(e: { name: string; type: string; rule: string; details: string; publicMessage: string }, action: Action): void {
    if (action === 'ignore') return;
    const record: ValidationError = { Name: e.name, Type: e.type, ValidationRule: e.rule, Details: e.details, Action: action };
    this.errors.push(record);
    this.rc.trace(this.policy, JSON.stringify(record), 'error');
    if (action !== 'prevent') return;
    this.finish();
    const status = this.aboutRequest ? 400 : 502;
    throw new PolicyError({
      source: this.policy, reason: this.aboutRequest ? 'Bad request' : 'Response not allowed', message: e.details, statusCode: status,
      responseMessage: this.aboutRequest ? e.publicMessage : INTERNAL_PUBLIC,
    });
  }

  /** Writes `errors-variable-name` (a JArray of the error objects, empty when all passed). */
  finish(): void {
    if (this.errorsVariable !== undefined) this.rc.variables.set(this.errorsVariable, parseJson(JSON.stringify(this.errors)));
    this.rc.note(this.errors.length ? `${this.errors.length} validation error(s): ${this.errors.map((x) => x.Details).join(' | ').slice(0, 400)}` : 'valid');
  }
}

/** `errors-variable-name` (no expressions). */
export function errorsVariable(cc: CompileContext, node: PolicyNode): string | undefined {
  const v = node.attrs['errors-variable-name'];
  if (v !== undefined && /^\s*@[({]/.test(v)) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, "Attribute 'errors-variable-name' does not allow policy expressions");
  return v;
}

/** The definition `typeName` of schema `schemaId` of the API, with the document its `$ref`s resolve in. */
export function findDefinition(schemas: readonly ApiSchema[], schemaId: string | undefined, typeName: string | undefined):
  { schema: unknown; root: unknown } | 'no-schema' | 'no-definition' {
  const doc = schemas.find((s) => s.id.toLowerCase() === (schemaId ?? '').toLowerCase())?.document ?? (schemaId === undefined && schemas.length === 1 ? schemas[0]!.document : undefined);
  if (doc === undefined || doc === null || typeof doc !== 'object') return 'no-schema';
  if (typeName === undefined) return { schema: doc, root: doc };
  const d = doc as { components?: { schemas?: Record<string, unknown> }; definitions?: Record<string, unknown>; $defs?: Record<string, unknown> };
  const schema = d.components?.schemas?.[typeName] ?? d.definitions?.[typeName] ?? d.$defs?.[typeName];
  return schema === undefined ? 'no-definition' : { schema, root: doc };
}

/** A parameter's schema: its definition in the API's schema, else one built from `type` and `values`. */
export function parameterSchema(p: ParameterContract, schemas: readonly ApiSchema[]): { schema: unknown; root: unknown } | 'no-schema' | 'no-definition' {
  if (p.schemaId !== undefined || p.typeName !== undefined) return findDefinition(schemas, p.schemaId, p.typeName);
  const type = (p.type ?? 'string').toLowerCase();
  return { schema: { type, ...(p.values?.length ? { enum: type === 'string' ? p.values : p.values.map((v) => tryJson(v)) } : {}) }, root: {} };
}

function tryJson(v: string): unknown {
  try { return JSON.parse(v); } catch { return v; }
}
