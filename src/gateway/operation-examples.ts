import type { OperationConfig, RepresentationContract } from './types.js';

/**
 * A response representation as ARM writes it (`apis/operations` `responses[].representations[]`), with what
 * mock-response answers from: `examples` (`{name: {value}}`, the first one counts) or the older `sample` text.
 */
export interface RepresentationWithExamples extends Partial<RepresentationContract> {
  examples?: Record<string, { value?: unknown }>;
  sample?: string;
}

/**
 * The response examples mock-response answers (`OperationConfig.examples`), in the order ARM lists them: the
 * first example of each representation (the body as text; JSON values serialised), content type
 * `application/json` when the representation names none. Both a deployed operation and `policy run`'s
 * REQUEST.json `operation` go through this.
 */
export function operationExamples(responses: unknown): OperationConfig['examples'] {
  if (!Array.isArray(responses)) return undefined;
  const out: NonNullable<OperationConfig['examples']> = [];
  for (const r of responses as Array<{ statusCode?: number; representations?: RepresentationWithExamples[] }>) {
    for (const rep of r?.representations ?? []) {
      const ex = rep.examples ? Object.values(rep.examples)[0]?.value : rep.sample;
      if (ex === undefined || typeof r.statusCode !== 'number') continue;
      out.push({ status: r.statusCode, contentType: rep.contentType ?? 'application/json', body: typeof ex === 'string' ? ex : JSON.stringify(ex) });
    }
  }
  return out.length ? out : undefined;
}
