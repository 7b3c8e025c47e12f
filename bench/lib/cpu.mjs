// Server CPU per request (PERFORMANCE.md method): Δ(utime+stime) of the server processes from /proc, all
// threads included (the twin's site worker thread counts), ÷ requests. Robust to other tenants on the machine.
import { readFileSync } from 'node:fs';

const TICKS = 100; // CLK_TCK on Linux

/** CPU seconds (user + system) used so far by process `pid`, or NaN where /proc is missing. */
export function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return NaN;
  }
}

/** CPU seconds (user + system) of `pid`'s main thread only (its event loop), or NaN. */
export function mainThreadCpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return NaN;
  }
}

/** {user, system} CPU seconds of `pid`. */
export function cpuSplit(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return { user: Number(fields[11]) / TICKS, system: Number(fields[12]) / TICKS };
  } catch {
    return { user: NaN, system: NaN };
  }
}

/** Resident set size of `pid` in MB (VmRSS), or NaN. */
export function rssMb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Sum of cpuSeconds over `pids`. */
export const cpuOfAll = (pids) => pids.reduce((a, p) => a + cpuSeconds(p), 0);

/** The 1-minute load average and the machine's core count, recorded with every run. */
export function machineLoad() {
  try {
    const [one, five, fifteen] = readFileSync('/proc/loadavg', 'utf8').split(' ').map(Number);
    return { loadavg1: one, loadavg5: five, loadavg15: fifteen };
  } catch {
    return {};
  }
}
