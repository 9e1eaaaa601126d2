import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFieldSelector, parseFieldSelector } from './field-selector.ts';
import { compileListFilter } from './list-filter.ts';
import { findResource } from './resources.ts';
import { SelectorError } from './selector-error.ts';

const pods = findResource('', 'v1', 'pods')!;
const pod = {
  metadata: { name: 'web-1', namespace: 'default', labels: { app: 'web' } },
  spec: { nodeName: 'node-1', restartPolicy: 'Always' },
  status: { phase: 'Running', podIP: '10.244.1.5' },
};

test('compileFieldSelector: pods', () => {
  const cases: [string, boolean][] = [
    ['', true],
    ['metadata.name=web-1', true],
    ['metadata.name==web-1', true],
    ['metadata.name!=web-1', false],
    ['metadata.namespace=default,spec.nodeName=node-1', true],
    ['spec.nodeName=', false],
    ['spec.nodeName!=', true],
    ['status.phase=Running,status.podIP=10.244.1.5', true],
    ['status.phase!=Running', false],
    ['spec.restartPolicy=Never', false],
  ];
  for (const [selector, want] of cases) assert.equal(compileFieldSelector(pods, selector)(pod), want, selector);
  const unscheduled = { metadata: { name: 'x' }, spec: {} };
  assert.equal(compileFieldSelector(pods, 'spec.nodeName=')(unscheduled), true);
});

test('compileFieldSelector: other kinds', () => {
  const cases: [string, string, string, any, boolean][] = [
    ['', 'secrets', 'type=kubernetes.io/tls', { type: 'kubernetes.io/tls' }, true],
    ['', 'nodes', 'spec.unschedulable=false', { spec: {} }, true],
    ['', 'nodes', 'spec.unschedulable=true', { spec: { unschedulable: true } }, true],
    ['', 'namespaces', 'status.phase=Active', { status: { phase: 'Active' } }, true],
    ['', 'events', 'involvedObject.kind=Pod,involvedObject.name=web-1', { involvedObject: { kind: 'Pod', name: 'web-1' } }, true],
    ['', 'events', 'reason=Killing', { reason: 'Started' }, false],
    ['apps', 'replicasets', 'status.replicas=0', { status: {} }, true],
    ['events.k8s.io', 'events', 'regarding.name=web-1', { regarding: { name: 'web-1' } }, true],
  ];
  for (const [group, resource, selector, obj, want] of cases) {
    assert.equal(compileFieldSelector({ group, resource }, selector)(obj), want, `${resource} ${selector}`);
  }
});

test('compileFieldSelector: errors like Kubernetes', () => {
  assert.throws(() => compileFieldSelector({ group: '', resource: 'configmaps' }, 'spec.foo=x'), {
    name: 'SelectorError',
    message: '"spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace"',
  });
  assert.throws(() => compileFieldSelector(pods, 'metadata.name'), {
    message: "invalid selector: 'metadata.name'; can't understand 'metadata.name'",
  });
  assert.throws(() => compileFieldSelector(pods, 'spec.foo=x'), /only "metadata.name", "metadata.namespace", "spec.nodeName"/);
});

test('parseFieldSelector: escapes', () => {
  assert.deepEqual(parseFieldSelector('metadata.name=a\\,b'), [{ field: 'metadata.name', operator: '=', value: 'a,b' }]);
  assert.deepEqual(parseFieldSelector('b=2,a!=1'), [
    { field: 'a', operator: '!=', value: '1' },
    { field: 'b', operator: '=', value: '2' },
  ]);
});

test('compileListFilter: labels and fields together', () => {
  assert.equal(compileListFilter(pods, 'app=web', 'spec.nodeName=node-1')(pod), true);
  assert.equal(compileListFilter(pods, 'app=api', 'spec.nodeName=node-1')(pod), false);
  assert.equal(compileListFilter(pods, 'app=web', 'spec.nodeName=node-2')(pod), false);
  assert.equal(compileListFilter(pods)(pod), true);
  assert.throws(() => compileListFilter(pods, 'a b'), SelectorError);
  assert.throws(() => compileListFilter(pods, undefined, 'nope=1'), SelectorError);
});

test('compileFieldSelector: jobs select on status.successful, the succeeded count', () => {
  const jobs = findResource('batch', 'v1', 'jobs')!;
  const done = { metadata: { name: 'pi' }, status: { succeeded: 1 } };
  const fresh = { metadata: { name: 'new' }, status: {} };
  assert.equal(compileFieldSelector(jobs, 'status.successful=1')(done), true);
  assert.equal(compileFieldSelector(jobs, 'status.successful=1')(fresh), false);
  assert.equal(compileFieldSelector(jobs, 'status.successful=0')(fresh), true);
  assert.throws(() => compileFieldSelector(jobs, 'status.succeeded=1'), SelectorError);
});
