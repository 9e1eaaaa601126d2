/**
 * Installing an operator on the 3-node lab as a homelab user does (issue #18 round 2): the Backup
 * CRD from deploy/examples, an operator pod with in-cluster credentials that records each Backup's
 * run in its status subresource, and a validating admission webhook served by a pod behind a
 * Service, which the apiservers call at a ready endpoint with the CA given in caBundle. The last
 * step removes all of it. Run by workloads.test.ts on its lab; steps build on each other.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findResourceByKind, type Endpoints } from '@skiff/api';
import type { RestClient } from '@skiff/client';
import { createCertificateAuthority, issueCertificate } from '@skiff/pki';
import { kubectl, REPO_ROOT, type KubectlBinary } from '../../harness/index.ts';
import type { Lab } from '../../harness/lab.ts';
import { waitFor } from '../cluster-checks.ts';
import { ensureOperatorImage, OPERATOR_PROGRAM, WEBHOOK_PROGRAM } from './operator-image.ts';
import {
  backup,
  CRD_NAME,
  list,
  NAMESPACE,
  operatorManifests,
  WEBHOOK_CONFIGURATION,
  WEBHOOK_HOSTS,
  WEBHOOK_NAME,
  WEBHOOK_SERVICE,
  webhookConfiguration,
  webhookManifests,
} from './operator-manifests.ts';

export interface OperatorContext {
  lab: Lab;
  client: RestClient;
  bin: KubectlBinary;
  /** kubectl against the lab's admin kubeconfig; fails the step on a non-zero exit. */
  kc(args: string[], stdin?: string, timeoutMs?: number): Promise<string>;
}

const ENDPOINTS = findResourceByKind('v1', 'Endpoints')!;
const CRD = readFileSync(join(REPO_ROOT, 'deploy/examples/backup-crd.yaml'), 'utf8');

/** A pod's log by its app label, for assertions and for failure messages. */
async function logsOf(ctx: OperatorContext, app: string): Promise<string> {
  const r = await kubectl(ctx.bin, ['logs', '-n', NAMESPACE, '-l', `app=${app}`, '--tail=-1'], { kubeconfig: ctx.lab.kubeconfigPath });
  return r.code === 0 ? r.stdout : `(no logs: ${r.stderr.trim()})`;
}

async function waitForReadyEndpoint(ctx: OperatorContext, service: string): Promise<string> {
  let ip = '';
  await waitFor(
    `a ready endpoint of ${NAMESPACE}/${service}`,
    async () => {
      const ep = await ctx.client.get<Endpoints>(ENDPOINTS, NAMESPACE, service).catch(() => undefined);
      ip = ep?.subsets?.flatMap((s) => s.addresses ?? [])[0]?.ip ?? '';
      return ip ? undefined : `endpoints: ${JSON.stringify(ep?.subsets ?? [])}`;
    },
    180_000,
  );
  return ip;
}

export async function installOperator(ctx: OperatorContext): Promise<void> {
  const image = await ensureOperatorImage(ctx.lab);
  await ctx.kc(['apply', '-f', '-'], CRD);
  await ctx.kc(['wait', '--for=condition=Established', `crd/${CRD_NAME}`, '--timeout=30s'], undefined, 40_000);
  await ctx.kc(['apply', '-f', '-'], list(operatorManifests(image, OPERATOR_PROGRAM)));
  await ctx.kc(['rollout', 'status', '-n', NAMESPACE, 'deployment/backup-operator', '--timeout=180s'], undefined, 190_000);

  // The binding grants the status subresource, not the Backups themselves.
  const can = async (verb: string, ...what: string[]) =>
    (
      await kubectl(ctx.bin, ['auth', 'can-i', verb, ...what, `--as=system:serviceaccount:${NAMESPACE}:backup-operator`], {
        kubeconfig: ctx.lab.kubeconfigPath,
      })
    ).stdout.trim();
  assert.equal(await can('update', 'backups.homelab.example.com', '--subresource=status', '-A'), 'yes');
  assert.equal(await can('update', 'backups.homelab.example.com', '-A'), 'no');
  assert.equal(await can('watch', 'backups.homelab.example.com', '-A'), 'yes');

  await ctx.kc(['apply', '-f', '-'], backup('nightly', 7));
  let lastRun = '';
  await waitFor(
    'the operator to record the run of default/nightly',
    async () => {
      lastRun = (await ctx.kc(['get', 'backup', 'nightly', '-o', 'jsonpath={.status.lastRun}'])).trim();
      return lastRun ? undefined : `no status.lastRun; operator log:\n${await logsOf(ctx, 'backup-operator')}`;
    },
    60_000,
    1000,
  );
  assert.ok(Math.abs(Date.now() - Date.parse(lastRun)) < 5 * 60_000, `lastRun ${lastRun} is now`);
  assert.match(await logsOf(ctx, 'backup-operator'), /^RAN default\/nightly /m);

  const table = await ctx.kc(['get', 'backups']);
  assert.match(table, /^NAME\s+SCHEDULE\s+CLAIM\s+KEEP\s+LAST RUN\s+AGE$/m, table);
  assert.match(table, /^nightly\s+0 3 \* \* \*\s+data-nightly\s+7\s+\d+[smh]\s+\d+[smh]$/m, table);
}

export async function refuseThroughWebhook(ctx: OperatorContext): Promise<void> {
  const image = await ensureOperatorImage(ctx.lab);
  const ca = await createCertificateAuthority('backup-webhook-ca', 1);
  const serving = await issueCertificate(ca, { commonName: WEBHOOK_HOSTS[0]!, hosts: WEBHOOK_HOSTS, usage: 'server', validityDays: 1 });
  await ctx.kc(['apply', '-f', '-'], list(webhookManifests(image, WEBHOOK_PROGRAM, serving)));
  const podIp = await waitForReadyEndpoint(ctx, WEBHOOK_SERVICE);
  await ctx.kc(['apply', '-f', '-'], JSON.stringify(webhookConfiguration(ca.cert)));

  // Both apiservers learn of the configuration through their watch: until then a Backup may go in unchecked.
  const refusal = new RegExp(
    `admission webhook "${WEBHOOK_NAME.replaceAll('.', '\\.')}" denied the request: spec\\.keep: 40 backups is more than this cluster keeps \\(at most 30\\)`,
  );
  for (let attempt = 0; attempt < 3; attempt++) {
    let stderr = '';
    await waitFor(
      'kubectl refused a Backup keeping 40',
      async () => {
        const r = await kubectl(ctx.bin, ['create', '-f', '-'], { kubeconfig: ctx.lab.kubeconfigPath, stdin: backup('hoard', 40) });
        if (r.code === 0) await ctx.kc(['delete', 'backup', 'hoard']);
        stderr = r.stderr;
        return r.code !== 0 ? undefined : 'accepted';
      },
      30_000,
      1000,
    );
    // Three requests, which the balancer spreads over the apiservers: each must end refused.
    assert.match(stderr, /^Error from server \(Forbidden\): /m, stderr);
    assert.match(stderr, refusal, `${stderr}\nwebhook log:\n${await logsOf(ctx, WEBHOOK_SERVICE)}`);
  }
  assert.match(await logsOf(ctx, WEBHOOK_SERVICE), /^REVIEWED CREATE default\/hoard allowed=false$/m, `the call reached the pod at ${podIp}`);

  await ctx.kc(['apply', '-f', '-'], backup('weekly', 30));
  const raised = await kubectl(ctx.bin, ['patch', 'backup', 'nightly', '--type=merge', '-p', '{"spec":{"keep":31}}'], { kubeconfig: ctx.lab.kubeconfigPath });
  assert.notEqual(raised.code, 0, 'raising keep to 31 was accepted');
  assert.match(raised.stderr, /denied the request: spec\.keep: 31 backups is more than this cluster keeps/, raised.stderr);
  assert.equal((await ctx.kc(['get', 'backup', 'nightly', '-o', 'jsonpath={.spec.keep}'])).trim(), '7');
  assert.match(await ctx.kc(['get', 'backups']), /^weekly\s+0 3 \* \* \*\s+data-weekly\s+30\s/m);
}

export async function removeOperator(ctx: OperatorContext): Promise<void> {
  await ctx.kc(['delete', 'validatingwebhookconfiguration', WEBHOOK_CONFIGURATION, '--ignore-not-found']);
  await ctx.kc(['delete', 'crd', CRD_NAME, '--ignore-not-found', '--timeout=60s'], undefined, 70_000);
  await ctx.kc(['delete', 'clusterrolebinding,clusterrole', 'backup-operator', '--ignore-not-found']);
  await ctx.kc(['delete', 'namespace', NAMESPACE, '--ignore-not-found', '--timeout=120s'], undefined, 130_000);

  const gone = async (args: string[]) => await kubectl(ctx.bin, ['get', ...args], { kubeconfig: ctx.lab.kubeconfigPath });
  const backups = await gone(['backups', '-A']);
  assert.notEqual(backups.code, 0, `backups still served:\n${backups.stdout}`);
  // kubectl says so from fresh discovery, or from its cached discovery as the server's 404.
  assert.match(
    backups.stderr,
    /the server doesn't have a resource type "backups"|Unable to list "homelab\.example\.com\/v1, Resource=backups": the server could not find the requested resource/,
    backups.stderr,
  );
  assert.notEqual((await gone(['namespace', NAMESPACE])).code, 0, `namespace ${NAMESPACE} is still there`);
  assert.notEqual((await gone(['validatingwebhookconfiguration', WEBHOOK_CONFIGURATION])).code, 0);
  // The Backups went with their CRD: the same CRD applied again serves none of them.
  await ctx.kc(['apply', '-f', '-'], CRD);
  await ctx.kc(['wait', '--for=condition=Established', `crd/${CRD_NAME}`, '--timeout=30s'], undefined, 40_000);
  const again = await kubectl(ctx.bin, ['get', 'backups', '-A'], { kubeconfig: ctx.lab.kubeconfigPath });
  await ctx.kc(['delete', 'crd', CRD_NAME, '--timeout=60s'], undefined, 70_000);
  assert.equal(again.stdout, '', again.stdout);
  assert.match(again.stderr, /^No resources found$/m, again.stderr);
}
