/**
 * The JSONPath subset CRDs use in additionalPrinterColumns and the scale subresource's paths:
 * `.a.b`, `.a[0].b`, `.a[*].b` and the condition filter `.a[?(@.type=="Ready")].b`. Answers
 * every value found (a path through a list can find several); an unreadable path finds none.
 */
type Step = { field: string } | { index: number } | { all: true } | { filter: { field: string; value: string } };

const STEP = /^(?:\.([A-Za-z0-9_$-]+)|\[(\d+)\]|\[\*\]|\[\?\(@\.([A-Za-z0-9_.-]+)\s*==\s*(?:"([^"]*)"|'([^']*)')\)\])/;

export function parseJsonPath(path: string): Step[] | undefined {
  let rest = path.trim();
  if (rest.startsWith('{') && rest.endsWith('}')) rest = rest.slice(1, -1);
  if (rest.startsWith('$')) rest = rest.slice(1);
  const steps: Step[] = [];
  while (rest.length > 0) {
    const m = STEP.exec(rest);
    if (!m) return undefined;
    if (m[1] !== undefined) steps.push({ field: m[1] });
    else if (m[2] !== undefined) steps.push({ index: Number(m[2]) });
    else if (m[3] !== undefined) steps.push({ filter: { field: m[3], value: m[4] ?? m[5] ?? '' } });
    else steps.push({ all: true });
    rest = rest.slice(m[0].length);
  }
  return steps;
}

function childAt(value: unknown, field: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[field] : undefined;
}

export function readJsonPath(obj: unknown, path: string): unknown[] {
  const steps = parseJsonPath(path);
  if (!steps) return [];
  let values: unknown[] = [obj];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const value of values) {
      if ('field' in step) next.push(childAt(value, step.field));
      else if ('index' in step) next.push(Array.isArray(value) ? value[step.index] : undefined);
      else if (!Array.isArray(value)) continue;
      else if ('all' in step) next.push(...value);
      else {
        const { field, value: wanted } = step.filter;
        next.push(...value.filter((item) => String(field.split('.').reduce<unknown>(childAt, item)) === wanted));
      }
    }
    values = next.filter((v) => v !== undefined);
  }
  return values;
}

/** The value at a path of fields (`['spec', 'replicas']`), undefined where the path breaks off. */
export function valueAtFields(obj: unknown, fields: readonly string[]): unknown {
  return fields.reduce<unknown>(childAt, obj);
}

/** `.spec.replicas` as the path of fields a scale subresource reads and writes (no indexes there). */
export function fieldsOfSimplePath(path: string): string[] | undefined {
  const steps = parseJsonPath(path);
  if (!steps || steps.length === 0 || !steps.every((s) => 'field' in s)) return undefined;
  return steps.map((s) => (s as { field: string }).field);
}
