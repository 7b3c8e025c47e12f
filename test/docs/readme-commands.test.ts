/**
 * README's command table against the commands themselves: every command has a row of the one table (a blank line
 * inside it ends the Markdown table, and the rows after it render as text), every flag a row names exists, and every
 * option of a command is named in its row (except `--ready-file`, which every command that talks to the twin takes,
 * and the options of a row that sums up a group of subcommands with "…").
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.js';
import { createContext } from '../../src/cli/context.js';
import { ROOT } from '../helpers/cli-process.js';

function commandFlags(): Map<string, string[]> {
  const program = new Command('trustline');
  const ctx = createContext(() => {}, () => {}, () => ({ cwd: ROOT }));
  for (const register of COMMANDS) register(program, ctx);
  const out = new Map<string, string[]>();
  const flags = (c: Command) => c.options.flatMap((o) => (o.long ? [o.long] : []));
  for (const c of program.commands) {
    if (c.commands.length === 0) out.set(c.name(), flags(c));
    for (const s of c.commands) out.set(`${c.name()} ${s.name()}`, flags(s));
  }
  return out;
}

/** The rows of the table whose header is `| command | what it does |`, up to the first line that is not a row. */
function commandRows(): string[] {
  const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n');
  const start = lines.findIndex((l) => /^\| command \| what it does \|/.test(l));
  expect(start).toBeGreaterThan(0);
  const rows: string[] = [];
  for (let i = start + 2; i < lines.length && lines[i]!.startsWith('|'); i++) rows.push(lines[i]!.split(' | ')[0]!);
  return rows;
}

describe('README command table', () => {
  const commands = commandFlags();
  const rows = commandRows();
  /** The commands a row documents: `policy compile`, or every subcommand of `directory list|apply FILE|…`. */
  const documented = (row: string): string[] => {
    const m = /^\| `npx trustline ([a-z-]+)/.exec(row);
    if (!m) return [];
    const head = m[1]!;
    if (commands.has(head)) return [head];
    // `policy compile FILE …`, `directory list\|apply FILE\|…`, `keys rotate …`, `keys list …`: each backticked form.
    const subs = [...row.matchAll(/`(?:npx trustline )?(?:[a-z-]+ )?([a-z-]+(?:\\?\|[a-z-]+)*)/g)].flatMap((x) => x[1]!.split(/\\?\|/));
    return [...commands.keys()].filter((k) => k.startsWith(`${head} `) && (subs.includes(k.split(' ')[1]!) || summarises(row)));
  };
  /** A row that sums up subcommands (`directory list\|apply FILE\|… …`) names only some flags; `[DIR …]` and a repeatable `[--x F]…` do not make one. */
  const summarises = (row: string) => row.replace(/\[[A-Z]+ …\]/g, '').replace(/\]…/g, ']').includes('…');

  it('every command has a row in the one table', () => {
    const covered = new Set(rows.flatMap(documented));
    expect([...commands.keys()].filter((k) => !covered.has(k))).toEqual([]);
  });

  it('every flag a row names exists, and every option of a command is in its row', () => {
    const problems: string[] = [];
    for (const row of rows) {
      const names = documented(row);
      const used = new Set([...row.matchAll(/--[a-z][a-z-]*/g)].map((m) => m[0]));
      const known = new Set(names.flatMap((n) => commands.get(n)!));
      for (const f of used) if (!known.has(f)) problems.push(`${names.join(', ')}: README names ${f}, which the command does not take`);
      if (summarises(row)) continue;
      for (const f of known) if (!used.has(f) && f !== '--ready-file') problems.push(`${names.join(', ')}: ${f} is missing from its README row`);
    }
    expect(problems).toEqual([]);
  });
});
