import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseColumnsFile, parseColumnsSpec, relaxedPath, renderCustomColumns } from './custom-columns.ts';

const pod = (name: string, images: string[]) => ({
  kind: 'Pod',
  metadata: { name, labels: { app: name } },
  spec: { containers: images.map((image) => ({ image })) },
});

describe('custom-columns printer', () => {
  it('accepts kubectl relaxed JSONPath', () => {
    for (const spec of ['metadata.name', '.metadata.name', '{metadata.name}', '{.metadata.name}']) assert.equal(relaxedPath(spec), '.metadata.name');
    assert.throws(() => relaxedPath('{a}{b}'), /unexpected path string/);
  });

  it('prints a header and a row per list item, aligned as kubectl (min width 6, padding 3)', () => {
    const columns = parseColumnsSpec('N:.metadata.name,IMAGES:.spec.containers[*].image,L:.metadata.labels,X:.nope');
    const list = { kind: 'List', items: [pod('web', ['nginx:1.27', 'busybox']), pod('a', [])] };
    assert.equal(
      renderCustomColumns(columns, list),
      [
        'N     IMAGES               L              X',
        'web   nginx:1.27,busybox   map[app:web]   <none>',
        'a     <none>               map[app:a]     <none>',
        '',
      ].join('\n'),
    );
    assert.equal(renderCustomColumns(parseColumnsSpec('N:.metadata.name'), pod('web', []), true), 'web\n');
  });

  it('reads a columns file and refuses malformed specs', () => {
    assert.deepEqual(parseColumnsFile('NAME  IMAGE\n.metadata.name {.spec.containers[0].image}\n'), [
      { header: 'NAME', path: '.metadata.name' },
      { header: 'IMAGE', path: '.spec.containers[0].image' },
    ]);
    assert.throws(() => parseColumnsFile('A B\n.a\n'), /number of headers \(2\) and field specifications \(1\) don't match/);
    assert.throws(() => parseColumnsSpec('N'), /unexpected custom-columns spec: N, expected <header>:<json-path-expr>/);
    assert.throws(() => parseColumnsSpec(''), /custom-columns format specified but no custom columns given/);
  });
});
