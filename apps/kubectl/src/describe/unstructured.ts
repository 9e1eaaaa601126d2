/**
 * kubectl's generic describer, for every kind without its own (custom resources above
 * all): the header, then the whole object as nested `Title:` lines, fields sorted and
 * named as kubectl names them ('cronSpec' → 'Cron Spec', 'apiVersion' → 'API Version').
 */
import { header } from './core.ts';
import type { Lines, Obj } from './lines.ts';

/** Shown in the header already, or noise (managedFields), as kubectl skips them. */
const SKIPPED = new Set(['.metadata.managedFields', '.metadata.name', '.metadata.namespace', '.metadata.labels', '.metadata.annotations']);
const ACRONYMS = new Set(['API', 'URL', 'UID', 'OSB', 'GUID']);

export function describeUnstructured(w: Lines, o: Obj, namespaced: boolean): void {
  header(w, o, namespaced);
  writeContent(w, 0, o, '');
}

function writeContent(w: Lines, level: number, content: Obj, path: string): void {
  for (const field of Object.keys(content).sort()) {
    const at = `${path}.${field}`;
    if (SKIPPED.has(at)) continue;
    const value = content[field];
    if (Array.isArray(value)) {
      w.add(level, `${labelFor(field)}:`);
      for (const item of value) {
        if (isObject(item)) writeContent(w, level + 1, item, at);
        else w.add(level + 1, String(item));
      }
    } else if (isObject(value)) {
      w.add(level, `${labelFor(field)}:`);
      writeContent(w, level + 1, value, at);
    } else {
      w.add(level, `${labelFor(field)}:\t${value === null ? '<nil>' : String(value)}`);
    }
  }
}

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * kubectl's smartLabelFor: camelCase split into title-cased words, known acronyms upper
 * case; a name with anything but letters and '-' is shown as it is.
 * Examples: 'cronSpec' → 'Cron Spec', 'x-forwarded' → 'X - Forwarded' (kubectl's own split), 'x.y/z' → 'x.y/z'.
 */
export function labelFor(field: string): string {
  if (/[^\p{L}-]/u.test(field)) return field;
  return splitCamelCase(field)
    .map((part) => (ACRONYMS.has(part.toUpperCase()) ? part.toUpperCase() : part[0].toUpperCase() + part.slice(1)))
    .join(' ');
}

/**
 * fatih/camelcase's split, which kubectl uses: runs of lower case, upper case and other
 * characters; an upper-case run followed by lower case gives its last letter to the next
 * word ('HTTPServer' → 'HTTP', 'Server').
 */
function splitCamelCase(s: string): string[] {
  const classOf = (c: string) => (/\p{Ll}/u.test(c) ? 1 : /\p{Lu}/u.test(c) ? 2 : /\p{N}/u.test(c) ? 3 : 4);
  const runs: string[][] = [];
  let last = 0;
  for (const c of s) {
    const k = classOf(c);
    if (k === last) runs[runs.length - 1].push(c);
    else runs.push([c]);
    last = k;
  }
  for (let i = 0; i < runs.length - 1; i++) {
    if (classOf(runs[i][0]) === 2 && classOf(runs[i + 1][0]) === 1) {
      runs[i + 1].unshift(runs[i].pop()!);
    }
  }
  return runs.filter((r) => r.length > 0).map((r) => r.join(''));
}
