// Goals and the figures table.

/** `goal` is a string such as '>= 0.90' or '<= 500'; returns true/false, or undefined without a goal. */
export function checkGoal(value, goal) {
  if (!goal) return undefined;
  const m = /^\s*(>=|<=|==|>|<)\s*(-?[\d.]+)/.exec(goal);
  if (!m || !Number.isFinite(value)) return false;
  const g = Number(m[2]);
  switch (m[1]) {
    case '>=': return value >= g;
    case '<=': return value <= g;
    case '>': return value > g;
    case '<': return value < g;
    default: return value === g;
  }
}

export function formatTable(figures) {
  const rows = ['| figure | mode | value | goal | met | notes |', '|---|---|---:|---|---|---|'];
  for (const f of figures) {
    const v = typeof f.value === 'number' ? (Math.abs(f.value) >= 100 ? Math.round(f.value).toLocaleString('en-US') : f.value.toFixed(f.value < 10 ? 2 : 1)) : String(f.value);
    rows.push(`| ${f.name} | ${f.mode ?? ''} | ${v}${f.unit ? ' ' + f.unit : ''} | ${f.goal ?? ''} | ${f.goal ? (f.met ? 'met' : '**not met**') : ''} | ${f.notes ?? ''} |`);
  }
  return rows.join('\n');
}
