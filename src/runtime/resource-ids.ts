/** Helpers over ARM resource ids and names (case-insensitive). */
export function lastSegment(id: string): string {
  const parts = id.split('/');
  return parts[parts.length - 1] ?? '';
}

/** The id of the parent resource: `/…/service/a/apis/b` → `/…/service/a`. */
export function parentId(id: string): string {
  const parts = id.split('/');
  return parts.slice(0, -2).join('/');
}

export function sameId(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

