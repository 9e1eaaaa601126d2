/**
 * Splits a chunked stream of newline-delimited JSON (a watch response) into parsed values.
 * Chunk boundaries fall anywhere, including inside a multi-byte character, so bytes are
 * decoded with a streaming TextDecoder and only complete lines are parsed.
 */
export async function* parseJsonLines(stream: AsyncIterable<Uint8Array | string>): AsyncGenerator<unknown> {
  const decoder = new TextDecoder();
  let pending = '';
  for await (const chunk of stream) {
    pending += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      if (line) yield parseLine(line);
    }
  }
  pending += decoder.decode();
  if (pending.trim()) yield parseLine(pending.trim());
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch (cause) {
    throw new Error(`watch stream: malformed event ${JSON.stringify(line.slice(0, 120))}`, { cause });
  }
}
