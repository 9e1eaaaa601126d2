/**
 * kubectl's JSONPath subset (`-o jsonpath=...`): literal text with {expressions};
 * fields (.a.b, ['a.b'], escaped dots), [n], [start:end], [*], recursive descent (..name),
 * filters [?(@.a.b=="x")] with == != < > <= >= and bare existence, {range ...}{end},
 * quoted literals {"\n"}. Several results of one expression print space-separated;
 * maps and lists print as JSON.
 */
import { CliError } from '../errors.ts';

type Step =
  | { kind: 'field'; name: string }
  | { kind: 'wildcard' }
  | { kind: 'index'; index: number }
  | { kind: 'slice'; start?: number; end?: number }
  | { kind: 'recursive'; name: string }
  | { kind: 'filter'; path: Step[]; op?: string; value?: unknown };

type Node = { kind: 'text'; text: string } | { kind: 'expr'; steps: Step[] } | { kind: 'range'; steps: Step[]; body: Node[] };

function fail(template: string, why: string): never {
  throw new CliError(`error parsing jsonpath ${template}, ${why}`);
}

/** Parses a path like `.items[*].metadata.name` (leading `$` optional) into steps. */
export function parsePath(src: string, template = src): Step[] {
  const steps: Step[] = [];
  let i = src.startsWith('$') ? 1 : 0;
  const readName = (): string => {
    let name = '';
    while (i < src.length && src[i] !== '.' && src[i] !== '[') {
      if (src[i] === '\\' && i + 1 < src.length) i++;
      name += src[i++];
    }
    return name;
  };
  while (i < src.length) {
    const c = src[i];
    if (c === '.') {
      if (src[i + 1] === '.') {
        i += 2;
        steps.push({ kind: 'recursive', name: readName() });
        continue;
      }
      i++;
      const name = readName();
      if (name === '*') steps.push({ kind: 'wildcard' });
      else if (name) steps.push({ kind: 'field', name });
      continue;
    }
    if (c === '[') {
      const close = findClose(src, i, template);
      const inner = src.slice(i + 1, close).trim();
      i = close + 1;
      if (inner === '*') steps.push({ kind: 'wildcard' });
      else if (/^-?\d+$/.test(inner)) steps.push({ kind: 'index', index: Number(inner) });
      else if (/^-?\d*:-?\d*$/.test(inner)) {
        const [a, b] = inner.split(':');
        steps.push({ kind: 'slice', start: a ? Number(a) : undefined, end: b ? Number(b) : undefined });
      } else if (/^'.*'$|^".*"$/.test(inner)) steps.push({ kind: 'field', name: inner.slice(1, -1) });
      else if (inner.startsWith('?(') && inner.endsWith(')')) steps.push(parseFilter(inner.slice(2, -1).trim(), template));
      else fail(template, `unrecognized identifier ${inner}`);
      continue;
    }
    if (i === 0) {
      // `{metadata.name}` without the leading dot: kubectl accepts it too.
      steps.push({ kind: 'field', name: readName() });
      continue;
    }
    fail(template, `unrecognized character in action: ${c}`);
  }
  return steps;
}

function findClose(src: string, open: number, template: string): number {
  let depth = 0;
  let quote = '';
  for (let j = open; j < src.length; j++) {
    const c = src[j];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[') depth++;
    else if (c === ']' && --depth === 0) return j;
  }
  fail(template, 'unterminated array');
}

function parseFilter(expr: string, template: string): Step {
  const m = /^@((?:\.[^\s=!<>]+)*)\s*(==|!=|<=|>=|<|>)?\s*(.*)$/.exec(expr);
  if (!m) fail(template, `unrecognized filter ${expr}`);
  const path = parsePath(m[1], template);
  if (!m[2]) return { kind: 'filter', path };
  const raw = m[3].trim();
  let value: unknown;
  if (/^'.*'$|^".*"$/.test(raw)) value = raw.slice(1, -1);
  else if (/^-?\d+(\.\d+)?$/.test(raw)) value = Number(raw);
  else if (raw === 'true' || raw === 'false') value = raw === 'true';
  else fail(template, `unrecognized filter value ${raw}`);
  return { kind: 'filter', path, op: m[2], value };
}

/** Splits a template into text, expressions and {range}{end} blocks. */
export function parseTemplate(template: string): Node[] {
  const root: Node[] = [];
  const stack: Node[][] = [root];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    if (open < 0) {
      stack.at(-1)!.push({ kind: 'text', text: template.slice(i) });
      break;
    }
    if (open > i) stack.at(-1)!.push({ kind: 'text', text: template.slice(i, open) });
    const close = closingBrace(template, open);
    if (close < 0) fail(template, 'unclosed action');
    const action = template.slice(open + 1, close).trim();
    i = close + 1;
    if (/^".*"$|^'.*'$/s.test(action)) {
      stack.at(-1)!.push({ kind: 'text', text: unescape(action.slice(1, -1)) });
    } else if (action.startsWith('range ')) {
      const node = { kind: 'range' as const, steps: parsePath(action.slice(6).trim(), template), body: [] as Node[] };
      stack.at(-1)!.push(node);
      stack.push(node.body);
    } else if (action === 'end') {
      if (stack.length === 1) fail(template, 'not in range, nothing to end');
      stack.pop();
    } else {
      stack.at(-1)!.push({ kind: 'expr', steps: parsePath(action, template) });
    }
  }
  if (stack.length > 1) fail(template, 'unterminated range');
  return root;
}

function closingBrace(template: string, open: number): number {
  let quote = '';
  for (let j = open + 1; j < template.length; j++) {
    const c = template[j];
    if (quote) {
      if (c === '\\') j++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '}') return j;
  }
  return -1;
}

function unescape(s: string): string {
  return s.replace(/\\(.)/g, (_, c: string) => (({ n: '\n', t: '\t', r: '\r' }) as Record<string, string>)[c] ?? c);
}

function children(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (v !== null && typeof v === 'object') return Object.values(v);
  return [];
}

function descend(v: unknown, name: string, out: unknown[]): void {
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && name in (v as object)) out.push((v as Record<string, unknown>)[name]);
  for (const c of children(v)) descend(c, name, out);
}

function compare(a: unknown, op: string, b: unknown): boolean {
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return (a as number) < (b as number);
    case '>':
      return (a as number) > (b as number);
    case '<=':
      return (a as number) <= (b as number);
    case '>=':
      return (a as number) >= (b as number);
    default:
      return false;
  }
}

/** Evaluates steps from `root`; missing fields yield no results (kubectl prints nothing). */
export function evaluatePath(root: unknown, steps: Step[]): unknown[] {
  let cur: unknown[] = [root];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const v of cur) {
      switch (step.kind) {
        case 'field':
          if (v !== null && typeof v === 'object' && !Array.isArray(v) && step.name in (v as object)) next.push((v as Record<string, unknown>)[step.name]);
          break;
        case 'wildcard':
          next.push(...children(v));
          break;
        case 'index':
          if (Array.isArray(v)) {
            const idx = step.index < 0 ? v.length + step.index : step.index;
            if (idx >= 0 && idx < v.length) next.push(v[idx]);
          }
          break;
        case 'slice':
          if (Array.isArray(v)) next.push(...v.slice(step.start ?? 0, step.end ?? v.length));
          break;
        case 'recursive':
          descend(v, step.name, next);
          break;
        case 'filter':
          for (const item of Array.isArray(v) ? v : children(v)) {
            const found = evaluatePath(item, step.path);
            if (step.op === undefined ? found.length > 0 && found[0] !== false && found[0] !== null : found.some((x) => compare(x, step.op!, step.value)))
              next.push(item);
          }
          break;
      }
    }
    cur = next;
  }
  return cur;
}

function formatValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Inside {range}, paths are relative to the current item, as in kubectl. */
function render(nodes: Node[], data: unknown): string {
  let out = '';
  for (const node of nodes) {
    if (node.kind === 'text') out += node.text;
    else if (node.kind === 'expr') out += evaluatePath(data, node.steps).map(formatValue).join(' ');
    else for (const item of evaluatePath(data, node.steps)) out += render(node.body, item);
  }
  return out;
}

/** Renders a kubectl jsonpath template against `data`. */
export function renderJsonPath(template: string, data: unknown): string {
  return render(parseTemplate(template), data);
}
