import { PolicyError } from '../pipeline/errors.js';
import type { RequestRun } from '../pipeline/request-run.js';
import { replenishedIn } from './quota.js';
import type { PolicyDefinition, ValueSource } from './types.js';
import { literalBool, optional, required, str } from './util.js';

/** token-quota-period: the fixed window's length (from the counter's first use; APIM's calendar alignment is not documented [?]). */
const PERIODS: Record<string, number> = { hourly: 3_600_000, daily: 86_400_000, weekly: 7 * 86_400_000, monthly: 30 * 86_400_000, yearly: 365 * 86_400_000 };
const MINUTE = 60_000;

const ATTRIBUTES = ['counter-key', 'tokens-per-minute', 'token-quota', 'token-quota-period', 'estimate-prompt-tokens', 'retry-after-header-name', 'retry-after-variable-name',
  'remaining-quota-tokens-header-name', 'remaining-quota-tokens-variable-name', 'remaining-tokens-header-name', 'remaining-tokens-variable-name',
  'tokens-consumed-header-name', 'tokens-consumed-variable-name'];

/** The tokens of a fixed window of one counter key (the quota store: `calls` holds tokens here). */
function windowOf(rc: RequestRun, key: string, periodMs: number): { start: number; calls: number; kb: number } {
  const now = rc.clock.now();
  const w = rc.services.stores.quota.get(key);
  if (w && now < w.start + periodMs) return w;
  const fresh = { start: w ? w.start + Math.floor((now - w.start) / periodMs) * periodMs : now, calls: 0, kb: 0 };
  rc.services.stores.quota.set(key, fresh);
  return fresh;
}

/**
 * The prompt's tokens as the twin estimates them (`estimate-prompt-tokens="true"`): a quarter of the characters of
 * the request's `messages[].content`, `prompt` and `input` texts, rounded up [?] — APIM counts with the model's
 * tokenizer, which the twin does not have.
 */
export function estimatePromptTokens(body: string): number {
  let chars = 0;
  const walk = (v: unknown): void => {
    if (typeof v === 'string') chars += v.length;
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) if (k === 'content' || k === 'text' || typeof x === 'object') walk(x);
  };
  try {
    const j = JSON.parse(body) as Record<string, unknown>;
    walk(j.messages);
    walk(j.prompt);
    walk(j.input);
  } catch { return Math.ceil(body.length / 4); }
  return Math.ceil(chars / 4);
}

/** A request for a streamed answer (`"stream": true` in its JSON body). */
function streamed(body: string): boolean {
  if (!/"stream"/.test(body)) return false;
  try { return (JSON.parse(body) as { stream?: unknown }).stream === true; } catch { return false; }
}

/**
 * llm-token-limit and azure-openai-token-limit (inbound; docs/behaviour/apim.md §2): per `counter-key` (one counter
 * for every scope), at most `tokens-per-minute` tokens (prompt and completion) a minute — 429 with Retry-After — and
 * at most `token-quota` tokens a `token-quota-period` — 403. A request is refused once the window's tokens reach the
 * limit (with `estimate-prompt-tokens`, when the estimated prompt would pass it); the answer's `usage` is counted
 * when it arrives (the estimate when it has none). remaining-* variables and headers hold what is left after this
 * request's estimate; tokens-consumed-* the estimate (or 0), then the reported total.
 */
function tokenLimit(element: string): PolicyDefinition {
  return {
    sections: ['inbound'],
    attributes: ATTRIBUTES,
    compile(node, cc, base) {
      const key = required(cc, node, 'counter-key');
      const tpm = optional(cc, node, 'tokens-per-minute');
      // Learn says token-quota takes no expression, yet an APIOps extract of a live service holds
      // `token-quota="@((long)context.Variables[…])"`: APIM saves and runs it (docs/behaviour/apim.md §2)
      const quota = optional(cc, node, 'token-quota');
      const periodName = node.attrs['token-quota-period'];
      if (!tpm && !(quota && periodName)) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, `<${element}> needs tokens-per-minute, or token-quota and token-quota-period`);
      const quotaPeriod = periodName === undefined ? undefined : PERIODS[periodName.trim().toLowerCase()];
      if (periodName !== undefined && quotaPeriod === undefined) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, `token-quota-period must be Hourly, Daily, Weekly, Monthly or Yearly, not '${periodName}'`);
      if ((quota === undefined) !== (periodName === undefined)) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, 'token-quota and token-quota-period go together');
      const whole = (v: ValueSource | undefined, attr: string) => {
        if (v && !v.isExpression && !(Number.isInteger(Number(v.literal)) && Number(v.literal) > 0)) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, `${attr} must be a whole number above 0, not '${v.literal}'`);
      };
      whole(tpm, 'tokens-per-minute');
      whole(quota, 'token-quota');
      // Learn marks estimate-prompt-tokens required, yet its own quota example leaves it out: absent = false [?]
      const estimate = literalBool(cc, node, 'estimate-prompt-tokens', false);
      const a = node.attrs;
      const number = (v: ValueSource, rc: RequestRun, attr: string) => {
        const n = Number(str(v.get(rc)));
        if (!Number.isFinite(n) || n <= 0) throw new Error(`${attr} '${str(v.get(rc))}' is not a positive number`);
        return Math.floor(n);
      };
      return {
        ...base,
        async run(rc) {
          // a streamed answer carries no usage: "prompt tokens are always estimated" when the request asks for
          // `"stream": true`, whatever estimate-prompt-tokens says (the llm-token-limit page)
          const typed = rc.request.headers.get('content-type')?.values[0] ?? '';
          if (estimate || /json/i.test(typed)) await rc.bufferBodies(true, false);
          const counter = str(key.get(rc));
          const minute = tpm ? { limit: number(tpm, rc, 'tokens-per-minute'), w: windowOf(rc, `tpm|${counter}`, MINUTE), periodMs: MINUTE } : undefined;
          const period = quota && quotaPeriod ? { limit: number(quota, rc, 'token-quota'), w: windowOf(rc, `tquota|${counter}`, quotaPeriod), periodMs: quotaPeriod } : undefined;
          const body = rc.requestBody.kind === 'text' ? rc.requestBody.text : '';
          const prompt = estimate || streamed(body) ? estimatePromptTokens(body) : 0;
          const refuse = (l: { limit: number; w: { start: number; calls: number } }) => l.w.calls >= l.limit || (prompt > 0 && l.w.calls + prompt > l.limit);
          const retryMs = (l: { w: { start: number }; periodMs: number }) => l.w.start + l.periodMs - rc.clock.now();
          if (minute && refuse(minute)) {
            const s = Math.max(1, Math.ceil(retryMs(minute) / 1000));
            if (a['retry-after-variable-name']) rc.variables.set(a['retry-after-variable-name'], s);
            if (a['remaining-tokens-variable-name']) rc.variables.set(a['remaining-tokens-variable-name'], 0);
            throw new PolicyError({ source: element, reason: 'TokenLimitExceeded', message: 'Token limit is exceeded', statusCode: 429,
              responseMessage: `Token limit is exceeded. Try again in ${s} seconds.`, headers: { [a['retry-after-header-name'] ?? 'Retry-After']: String(s) } });
          }
          if (period && refuse(period)) {
            const s = Math.max(1, Math.ceil(retryMs(period) / 1000));
            if (a['retry-after-variable-name']) rc.variables.set(a['retry-after-variable-name'], s);
            if (a['remaining-quota-tokens-variable-name']) rc.variables.set(a['remaining-quota-tokens-variable-name'], 0);
            throw new PolicyError({ source: element, reason: 'TokenQuotaExceeded', message: 'Token quota is exceeded', statusCode: 403,
              responseMessage: `Out of token quota. Quota will be replenished in ${replenishedIn(retryMs(period))}.`, headers: { [a['retry-after-header-name'] ?? 'Retry-After']: String(s) } });
          }
          const left = (l: { limit: number; w: { calls: number } } | undefined) => (l ? Math.max(0, l.limit - l.w.calls - prompt) : undefined);
          const minuteLeft = left(minute), periodLeft = left(period);
          if (minuteLeft !== undefined) {
            if (a['remaining-tokens-variable-name']) rc.variables.set(a['remaining-tokens-variable-name'], minuteLeft);
            if (a['remaining-tokens-header-name']) rc.pendingResponseHeaders.push([a['remaining-tokens-header-name'], String(minuteLeft)]);
          }
          if (periodLeft !== undefined) {
            if (a['remaining-quota-tokens-variable-name']) rc.variables.set(a['remaining-quota-tokens-variable-name'], periodLeft);
            if (a['remaining-quota-tokens-header-name']) rc.pendingResponseHeaders.push([a['remaining-quota-tokens-header-name'], String(periodLeft)]);
          }
          if (a['tokens-consumed-variable-name']) rc.variables.set(a['tokens-consumed-variable-name'], prompt);
          rc.wantsTokenUsage = true;
          // forward-request inside retry answers more than once: the last answer's tokens are the ones counted
          let counted = 0;
          rc.tokenUsageListeners.push((usage) => {
            const used = usage?.total ?? prompt;
            for (const l of [minute, period]) {
              if (!l) continue;
              const w = windowOf(rc, l === minute ? `tpm|${counter}` : `tquota|${counter}`, l.periodMs);
              w.calls += used - counted;
            }
            counted = used;
            if (a['tokens-consumed-variable-name']) rc.variables.set(a['tokens-consumed-variable-name'], used);
            const name = a['tokens-consumed-header-name'];
            if (name) {
              const at = rc.pendingResponseHeaders.findIndex(([n]) => n === name);
              if (at >= 0) rc.pendingResponseHeaders.splice(at, 1);
              rc.pendingResponseHeaders.push([name, String(used)]);
            }
          });
          rc.note(`tokens: ${minuteLeft ?? '-'} left this minute, ${periodLeft ?? '-'} left this period (key '${counter}')`);
        },
      };
    },
  };
}

export const llmTokenLimit = tokenLimit('llm-token-limit');
export const azureOpenAiTokenLimit = tokenLimit('azure-openai-token-limit');
