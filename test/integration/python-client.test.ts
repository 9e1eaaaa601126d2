/**
 * The official Python client (Debian's python3-kubernetes, which ./skiff's bootstrap installs)
 * against an apiserver: fixtures/python-client.py creates, lists, watches with a label selector from
 * the list's resourceVersion, patches, deletes a collection and reads every served kind's list
 * through the typed functions, then prints what it saw as JSON. The typed models refuse objects
 * that miss fields Kubernetes always writes, and its watch sends `watch=True`, so this is where
 * both show.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { resources } from '@skiff/api';
import { REPO_ROOT, startTestCluster, type TestCluster } from '../harness/index.ts';

// Ports 28740-28741 (etcd) and 28750 (apiserver) belong to this file.
const BASE_PORT = 28740;
// Debian's interpreter: another python3 on PATH (pyenv) would not see the dist-packages client.
const PYTHON = '/usr/bin/python3';
const CLIENT_PACKAGE = '/usr/lib/python3/dist-packages/kubernetes';
const SCRIPT = join(REPO_ROOT, 'test/integration/fixtures/python-client.py');

interface Step {
  result?: unknown;
  error?: string;
}
interface WatchedEvent {
  type: string;
  name: string;
  resourceVersion: string;
  model: string;
  data: Record<string, string>;
}
interface KindResult {
  apiVersion: string;
  kind: string;
  function?: string;
  error?: string;
  /** 'class': the installed client predates the group version or the kind; 'method': it has no such function. */
  untyped?: 'class' | 'method';
  model?: string;
  count?: number;
  names?: string[];
}
interface Report {
  steps: Record<string, Step>;
  watch: { startResourceVersion?: string; events?: WatchedEvent[]; error?: string | null; finished?: boolean };
  samples: (KindResult & { name: string })[];
  lists: KindResult[];
}

describe('the official Python client', { timeout: 240_000 }, () => {
  let cluster: TestCluster;
  let report: Report;

  before(
    async () => {
      assert.ok(existsSync(CLIENT_PACKAGE), `${CLIENT_PACKAGE} missing: apt-get install python3-kubernetes (./skiff installs it)`);
      cluster = await startTestCluster({ basePort: BASE_PORT, apiServerPort: BASE_PORT + 10, etcdMembers: 1 });
      const run = await promisify(execFile)(PYTHON, [SCRIPT, cluster.kubeconfigPath], { timeout: 120_000, maxBuffer: 16 << 20 });
      report = JSON.parse(run.stdout) as Report;
    },
    { timeout: 180_000 },
  );
  after(() => cluster?.stop());

  /** The step's result; a failed step fails the test with the client's own error. */
  const result = (name: string): unknown => {
    const step = report.steps[name];
    assert.ok(step, `step ${name} did not run`);
    assert.equal(step.error, undefined, `step ${name}: ${step.error}`);
    return step.result;
  };

  it('creates, lists by label and reads back the list resourceVersion', () => {
    result('namespace');
    assert.deepEqual(result('create'), ['a', 'b']);
    const listed = result('list') as { resourceVersion: string; names: string[] };
    assert.deepEqual(listed.names, ['a']);
    assert.match(listed.resourceVersion, /^\d+$/);
  });

  it('patches with a strategic merge patch and a JSON patch', () => {
    assert.deepEqual(result('patch-strategic'), { greeting: 'hello', added: 'yes' });
    assert.deepEqual(result('patch-json'), { greeting: 'bonjour' });
  });

  it('watches from the list resourceVersion: every matching change once, in order, as typed objects', () => {
    const { watch } = report;
    assert.equal(watch.error, null, `watch: ${watch.error}`);
    assert.equal(watch.finished, true, 'the watch did not end after timeout_seconds');
    const events = watch.events ?? [];
    const seen = events.map((e) => `${e.type} ${e.name}`);
    // Replayed (made before the watch opened), then live; app=other (b, d) never matches the selector.
    const replayedAndLive = ['ADDED c', 'MODIFIED a', 'DELETED a', 'MODIFIED c', 'ADDED e'];
    assert.deepEqual(seen.slice(0, replayedAndLive.length), replayedAndLive, `events: ${seen.join(', ')}`);
    // deletecollection removes c and e; the order between the two is the server's.
    assert.deepEqual(seen.slice(replayedAndLive.length).sort(), ['DELETED c', 'DELETED e'], `events: ${seen.join(', ')}`);
    const versions = events.map((e) => Number(e.resourceVersion));
    assert.ok(versions[0] > Number(watch.startResourceVersion), 'an event from before the list resourceVersion');
    for (let i = 1; i < versions.length; i++) assert.ok(versions[i] > versions[i - 1], `resourceVersions out of order: ${versions.join(', ')}`);
    for (const e of events) assert.equal(e.model, 'V1ConfigMap');
    assert.deepEqual(events.find((e) => e.type === 'MODIFIED' && e.name === 'a')?.data, { greeting: 'hello', added: 'yes' });
    assert.deepEqual(events.find((e) => e.type === 'MODIFIED' && e.name === 'c')?.data, { greeting: 'bonjour' });
  });

  it('deletes a collection by label selector and leaves the rest', () => {
    assert.equal(result('deletecollection'), 'V1Status');
    assert.deepEqual(result('remaining'), ['b', 'd']);
  });

  it('creates a sample of each kind through its typed function', () => {
    const failed = report.samples.filter((s) => s.error || s.untyped);
    assert.deepEqual(
      failed.map((s) => `${s.function ?? s.kind}: ${s.error ?? `no typed ${s.untyped}`}`),
      [],
    );
  });

  it('lists every served kind through its typed function and deserialises every object', (t) => {
    result('discovery');
    const listed = new Set(report.lists.map((l) => `${l.apiVersion} ${l.kind}`));
    const missing = resources
      .filter((r) => r.verbs.includes('list'))
      .map((r) => `${r.group ? `${r.group}/` : ''}${r.version} ${r.kind}`)
      .filter((key) => !listed.has(key));
    assert.deepEqual(missing, [], 'served kinds that discovery did not report');
    // A group version or kind the installed client predates has no typed API or model class; any other kind must work.
    for (const l of report.lists.filter((l) => l.untyped === 'class')) t.diagnostic(`${l.apiVersion} ${l.kind}: this client has no ${l.function}`);
    const failures = report.lists.filter((l) => l.error || l.untyped === 'method');
    assert.deepEqual(
      failures.map((l) => `${l.function}: ${l.error ?? 'no such function'}`),
      [],
    );
    for (const sample of report.samples.filter((s) => !s.error && !s.untyped)) {
      const list = report.lists.find((l) => l.apiVersion === sample.apiVersion && l.kind === sample.kind);
      assert.ok(
        list?.names?.some((n) => n.endsWith(`/${sample.name}`)),
        `${sample.kind} ${sample.name} missing from ${list?.function}`,
      );
    }
  });
});
