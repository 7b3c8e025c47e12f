/**
 * Static checks of a `@{…}` block that C# makes at compile time: every code path returns a value (CS0161). The twin
 * follows C#'s reachability rules for the constructs of the subset (constant `true` loops, break targets, switch
 * sections, try/finally).
 */
import { TwinError } from '../../core/index.js';
import type { Expr, Stmt } from './ast.js';

const isTrue = (e: Expr | undefined) => e === undefined || (e.k === 'lit' && e.value === true);

/** Whether a `break` inside `s` leaves the loop/switch `s` belongs to (not a nested one). */
function breaks(s: Stmt): boolean {
  switch (s.k) {
    case 'break': return true;
    case 'block': return s.body.some(breaks);
    case 'if': return breaks(s.then) || (s.else ? breaks(s.else) : false);
    case 'try': return breaks(s.body) || s.catches.some((c) => breaks(c.body)) || (s.fin ? breaks(s.fin) : false);
    case 'using': return breaks(s.body);
    default: return false; // loops and switches own their breaks
  }
}

/** Whether the end of `s` can be reached (C# reachability, simplified to the subset). */
export function endReachable(s: Stmt): boolean {
  switch (s.k) {
    case 'return': case 'throw': case 'break': case 'continue': return false;
    case 'block': return sequenceReachable(s.body);
    case 'if': return s.else ? endReachable(s.then) || endReachable(s.else) : true;
    case 'while': return !isTrue(s.test) || breaks(s.body);
    case 'do': return (!isTrue(s.test) && endReachableOrContinues(s.body)) || breaks(s.body);
    case 'for': return !isTrue(s.test) || breaks(s.body);
    case 'foreach': return true;
    case 'switch': {
      const hasDefault = s.sections.some((sec) => sec.labels.includes(null));
      return !hasDefault || s.sections.some((sec) => sec.body.some(breaks) || sequenceReachable(sec.body));
    }
    case 'try': {
      if (s.fin && !endReachable(s.fin)) return false;
      return endReachable(s.body) || s.catches.some((c) => endReachable(c.body));
    }
    case 'using': return endReachable(s.body);
    default: return true;
  }
}

function endReachableOrContinues(s: Stmt): boolean {
  return endReachable(s) || (s.k === 'block' && s.body.some((x) => x.k === 'continue'));
}

function sequenceReachable(body: Stmt[]): boolean {
  return body.every(endReachable);
}

/** Throws ERR_APIM_EXPRESSION_INVALID when the block can end without returning. */
export function checkProgram(body: Stmt[]): void {
  if (sequenceReachable(body)) {
    const last = body.at(-1);
    throw new TwinError('ERR_APIM_EXPRESSION_INVALID', 'Not all code paths return a value (every path of a @{…} block must end with return)', {
      details: { offset: last?.pos ?? 2 },
    });
  }
}
