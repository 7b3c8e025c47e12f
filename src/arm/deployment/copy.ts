/** One level of copy loop: resource, property or variable copy. */
export interface CopyFrame {
  name: string;
  index: number;
  kind: 'resource' | 'property' | 'variable' | 'output';
}

/** copyIndex(name?) over a stack of frames (innermost last). */
export function findCopyIndex(frames: readonly CopyFrame[], name: string | undefined): number | undefined {
  if (name !== undefined) {
    const lower = name.toLowerCase();
    for (let i = frames.length - 1; i >= 0; i--) if (frames[i]!.name.toLowerCase() === lower) return frames[i]!.index;
    return undefined;
  }
  const resource = frames.find((f) => f.kind === 'resource' || f.kind === 'output');
  return (resource ?? frames[frames.length - 1])?.index;
}
