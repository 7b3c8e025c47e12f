import { bufferBody } from '../pipeline/body.js';
import type { RequestRun } from '../pipeline/request-run.js';
import { builtInDimension } from './event-sink.js';
import type { PolicyDefinition } from './types.js';
import { optional, str } from './util.js';

/** The metrics both policies emit, each with the same dimensions (docs/behaviour/apim.md §2). */
const METRICS = [['Total Tokens', 'total'], ['Prompt Tokens', 'prompt'], ['Completion Tokens', 'completion']] as const;

/**
 * After the backend answered: the `usage` counts of a JSON answer (OpenAI chat/completions/embeddings, the Azure AI
 * model inference API and the Responses API spell them prompt_/completion_/total_tokens or input_/output_/total_tokens).
 * The body is buffered to read them and stays the answer's body; a streamed answer (text/event-stream) is left
 * alone, so its tokens are not counted (APIM estimates them) — the decision record says so.
 */
export async function readTokenUsage(rc: RequestRun): Promise<void> {
  await readUsage(rc);
  for (const l of rc.tokenUsageListeners) l(rc.tokenUsage);
}

async function readUsage(rc: RequestRun): Promise<void> {
  // each answer (forward-request inside retry) replaces the counts of the one before
  rc.tokenUsage = undefined;
  const type = rc.response.headers.get('content-type')?.values[0]?.toLowerCase() ?? '';
  if (!/json/.test(type)) return;
  const body = await bufferBody(rc.responseBody, 'response');
  rc.responseBody = body;
  if (body.kind !== 'text') return;
  try {
    const usage = (JSON.parse(body.text) as { usage?: Record<string, unknown> }).usage;
    if (!usage || typeof usage !== 'object') return;
    const n = (...keys: string[]) => { for (const k of keys) if (typeof usage[k] === 'number') return usage[k] as number; return undefined; };
    const prompt = n('prompt_tokens', 'input_tokens') ?? 0;
    const completion = n('completion_tokens', 'output_tokens') ?? 0;
    rc.tokenUsage = { prompt, completion, total: n('total_tokens') ?? prompt + completion };
  } catch { /* not JSON after all: no counts */ }
}

/**
 * llm-emit-token-metric and azure-openai-emit-token-metric (inbound): once the answer is sent, three metrics — Total,
 * Prompt and Completion Tokens — go to the local sink (`GatewayOptions.onEvent`, as emit-metric's do) with the
 * namespace (default `API Management`) and the dimensions: a `value` expression, else the built-in value of a
 * well-known name (API ID, Operation ID, Subscription ID, Client IP…, as emit-metric). At least one dimension, at
 * most 5 (the emit-metric limit [?]). An answer without `usage` emits nothing.
 */
function tokenMetric(element: string): PolicyDefinition {
  return {
    sections: ['inbound'],
    attributes: ['namespace'],
    compile(node, cc, base) {
      const ns = optional(cc, node, 'namespace');
      const dims = node.children.map((c) => {
        if (c.name !== 'dimension') throw cc.error('ERR_APIM_POLICY_UNKNOWN_ELEMENT', c, `<${c.name}> is not allowed inside <${element}>`);
        if (!c.attrs.name) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', c, "<dimension> requires the attribute 'name'");
        return { name: c.attrs.name, value: cc.value(c, c.attrs.value, "attribute 'value'") };
      });
      if (dims.length === 0) throw cc.error('ERR_APIM_POLICY_STRUCTURE', node, `<${element}> needs at least one <dimension>`);
      if (dims.length > 5) throw cc.error('ERR_APIM_POLICY_STRUCTURE', node, `<${element}> takes at most 5 dimensions`);
      return {
        ...base,
        run(rc) {
          rc.wantsTokenUsage = true;
          // the dimensions are read now (the request's values); the counts once the answer is known
          const dimensions: Record<string, string> = {};
          for (const d of dims) dimensions[d.name] = d.value ? str(d.value.get(rc)) : builtInDimension(rc, d.name);
          const namespace = ns ? str(ns.get(rc)) : 'API Management';
          rc.completions.push(() => {
            const usage = rc.tokenUsage;
            if (!usage) return;
            const time = new Date(rc.clock.now()).toISOString();
            for (const [name, key] of METRICS) rc.services.onEvent?.({ kind: 'metric', requestId: rc.requestId, name, namespace, value: usage[key], dimensions, time });
          });
          rc.note(`token metrics in '${namespace}' once the answer is known`);
        },
      };
    },
  };
}

export const llmEmitTokenMetric = tokenMetric('llm-emit-token-metric');
export const azureOpenAiEmitTokenMetric = tokenMetric('azure-openai-emit-token-metric');
