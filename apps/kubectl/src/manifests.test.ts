import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { MAX_MANIFEST_BYTES, parseManifests, readManifests } from './manifests.ts';
import { CliError } from './errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'skiff-kubectl-manifests-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;

describe('manifests', () => {
  it('splits multi-document YAML, skips empty documents and expands Lists', () => {
    const text = `${cm('a')}---\n---\n${cm('b')}---\napiVersion: v1\nkind: List\nitems:\n- ${JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'c' } })}\n`;
    const names = parseManifests(text, 'x.yaml').map((m) => `${m.object.kind}/${m.object.metadata?.name}`);
    assert.deepEqual(names, ['ConfigMap/a', 'ConfigMap/b', 'Secret/c']);
  });

  it('refuses an alias bomb (billion laughs) instead of expanding it', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      bomb.push(`${cur}: &${cur} [${Array(10).fill(`*${prev}`).join(',')}]`);
    }
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: boom}\ndata:\n  ${bomb.join('\n  ')}\n`;
    assert.throws(
      () => parseManifests(text, 'bomb.yaml'),
      (e: unknown) => e instanceof CliError && /error parsing bomb.yaml/.test(e.message),
    );
  });

  it('words syntax and shape errors as kubectl', () => {
    assert.throws(() => parseManifests('a: [1, 2', 'bad.yaml'), /error parsing bad.yaml: error converting YAML to JSON/);
    assert.throws(() => parseManifests('apiVersion: v1\nmetadata: {name: x}\n', 'k.yaml'), /error validating "k.yaml": error validating data: kind not set/);
    assert.throws(() => parseManifests('- 1\n', 'l.yaml'), /expected an object/);
    assert.throws(() => parseManifests('x'.repeat(MAX_MANIFEST_BYTES + 1), 'huge.yaml'), /larger than/);
  });

  it('reads files, directories (recursive with -R), JSON and stdin in order', async () => {
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, '1.yaml'), cm('one'));
    writeFileSync(join(dir, '2.json'), JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'two' } }));
    writeFileSync(join(dir, 'notes.txt'), 'ignored');
    writeFileSync(join(dir, 'sub', '3.yml'), cm('three'));
    const flat = await readManifests([dir]);
    assert.deepEqual(
      flat.map((m) => m.object.metadata?.name),
      ['one', 'two'],
    );
    const deep = await readManifests([dir, '-'], { recursive: true, stdin: Readable.from([cm('stdin')]) });
    assert.deepEqual(
      deep.map((m) => m.object.metadata?.name),
      ['one', 'two', 'three', 'stdin'],
    );
    assert.equal(deep[3].source, '-');
    await assert.rejects(readManifests([join(dir, 'missing.yaml')]), /the path ".*missing.yaml" does not exist/);
  });
});
