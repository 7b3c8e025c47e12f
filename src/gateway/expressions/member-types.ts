import type { HostContext } from './host.js';
import type { Meter } from './meter.js';
import type { Value } from './values.js';

/** What an expression evaluates against. */
export interface Env {
  readonly ctx: HostContext;
  /** Local variables of a `@{…}` block. */
  locals: Map<string, Value> | null;
  /** Step, size and time bounds of this evaluation. */
  readonly meter: Meter;
}

/** Declared result types (a TypeTable name, 'Object' when unknown) drive load-time member checks. */
export interface PropertyEntry { type: string; get(target: Value, env: Env): Value }
export interface MethodEntry { type: string | ((typeArgs: string[]) => string); call(target: Value, args: Value[], typeArgs: string[], env: Env): Value }
export interface IndexEntry { type: string; get(target: Value, args: Value[], env: Env): Value }

/** The complete list of members reachable on one type: nothing else is visible to expressions. */
export interface TypeTable {
  props: Record<string, PropertyEntry>;
  methods: Record<string, MethodEntry>;
  index?: IndexEntry;
}
