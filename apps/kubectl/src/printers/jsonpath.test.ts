import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderJsonPath } from './jsonpath.ts';
import { CliError } from '../errors.ts';

const list = {
  kind: 'List',
  items: [
    { metadata: { name: 'a', labels: { 'app.kubernetes.io/name': 'web' } }, status: { phase: 'Running', restarts: 2 }, spec: { ports: [80, 443] } },
    { metadata: { name: 'b' }, status: { phase: 'Pending', restarts: 0 } },
  ],
};

describe('jsonpath', () => {
  it('prints fields, wildcards, indexes and slices', () => {
    assert.equal(renderJsonPath('{.items[*].metadata.name}', list), 'a b');
    assert.equal(renderJsonPath('{.items[0].metadata.name}', list), 'a');
    assert.equal(renderJsonPath('{.items[-1].metadata.name}', list), 'b');
    assert.equal(renderJsonPath('{.items[0:1].metadata.name}', list), 'a');
    assert.equal(renderJsonPath('{.kind}', list), 'List');
    assert.equal(renderJsonPath("{.items[0].metadata.labels['app.kubernetes.io/name']}", list), 'web');
    assert.equal(renderJsonPath('{.items[0].metadata.labels.app\\.kubernetes\\.io/name}', list), 'web');
  });

  it('renders text, quoted literals and range blocks', () => {
    assert.equal(renderJsonPath('{range .items[*]}{.metadata.name}{"\\t"}{.status.phase}{"\\n"}{end}', list), 'a\tRunning\nb\tPending\n');
    assert.equal(renderJsonPath('names: {.items[*].metadata.name}!', list), 'names: a b!');
  });

  it('filters, descends recursively and prints structures as JSON', () => {
    assert.equal(renderJsonPath('{.items[?(@.status.phase=="Running")].metadata.name}', list), 'a');
    assert.equal(renderJsonPath('{.items[?(@.status.restarts>1)].metadata.name}', list), 'a');
    assert.equal(renderJsonPath('{.items[?(@.spec)].metadata.name}', list), 'a');
    assert.equal(renderJsonPath('{..phase}', list), 'Running Pending');
    assert.equal(renderJsonPath('{.items[0].spec.ports}', list), '[80,443]');
    assert.equal(renderJsonPath('{.items[1].metadata}', list), '{"name":"b"}');
    assert.equal(renderJsonPath('{.nothing.here}', list), '');
  });

  it('refuses malformed templates', () => {
    assert.throws(() => renderJsonPath('{.items[*]', list), CliError);
    assert.throws(() => renderJsonPath('{range .items[*]}{.a}', list), /unterminated range/);
    assert.throws(() => renderJsonPath('{end}', list), /not in range/);
  });
});
