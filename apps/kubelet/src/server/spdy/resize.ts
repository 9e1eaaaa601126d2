/**
 * The resize stream carries a sequence of JSON objects `{"Width":80,"Height":24}` (Go's
 * json.Encoder: one per line, but a decoder must not rely on line breaks arriving whole).
 */
import type { Readable } from 'node:stream';
import type { TerminalSize } from '../streaming-backend.ts';

/** Splits concatenated JSON objects; answers the parsed ones and the unfinished rest. */
export function splitJsonObjects(text: string): { objects: unknown[]; rest: string } {
  const objects: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  let escaped = false;
  let consumed = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}' && depth > 0) {
      depth--;
      if (depth === 0) {
        try {
          objects.push(JSON.parse(text.slice(start, i + 1)));
        } catch {
          // A malformed object is skipped, as upstream logs and goes on.
        }
        consumed = i + 1;
      }
    }
  }
  return { objects, rest: depth === 0 ? '' : text.slice(consumed) };
}

export function parseResizeStream(stream: Readable, onSize: (size: TerminalSize) => void): void {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const { objects, rest } = splitJsonObjects(buffered + chunk);
    buffered = rest;
    for (const o of objects) {
      const { Width, Height } = (o ?? {}) as { Width?: unknown; Height?: unknown };
      if (typeof Width === 'number' && typeof Height === 'number') onSize({ width: Width, height: Height });
    }
  });
}
