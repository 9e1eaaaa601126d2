/**
 * An in-cluster client as users write them: a Node.js container that calls
 * `@kubernetes/client-node`'s `loadFromCluster()` unchanged (KUBERNETES_SERVICE_HOST/PORT, the
 * mounted service-account token, CA and namespace), lists the pods of its namespace and tries the
 * secrets of kube-system. It prints one line per question, `PODS a,b` and `SECRETS <HTTP code>`,
 * and exits; the test reads its log. The image is built locally (libs/images' node image) from the
 * project's node binary and node_modules.
 */
import { join } from 'node:path';
import type Docker from 'dockerode';
import { ensureNodeImage, packageFiles } from '@skiff/images';
import { REPO_ROOT } from '../harness/index.ts';

const SCRIPT = `
import { readFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';

const kc = new k8s.KubeConfig();
kc.loadFromCluster();
const core = kc.makeApiClient(k8s.CoreV1Api);
const namespace = readFileSync('/var/run/secrets/kubernetes.io/serviceaccount/namespace', 'utf8').trim();
const codeOf = (err) => err?.code ?? err?.statusCode ?? err?.response?.statusCode ?? err?.message;
try {
  const pods = await core.listNamespacedPod({ namespace });
  console.log('PODS ' + pods.items.map((p) => p.metadata.name).sort().join(','));
} catch (err) {
  console.log('PODS error ' + codeOf(err) + ' ' + (err?.body ?? err?.message ?? ''));
}
try {
  await core.listNamespacedSecret({ namespace: 'kube-system' });
  console.log('SECRETS 200');
} catch (err) {
  console.log('SECRETS ' + codeOf(err));
}
`;

/** Builds (once per content) the image and returns its reference. */
export async function ensureInClusterClientImage(docker: Docker): Promise<string> {
  return ensureNodeImage(docker, {
    repository: 'skiff/in-cluster-client',
    app: [{ name: 'main.mjs', data: Buffer.from(SCRIPT) }, ...packageFiles(join(REPO_ROOT, 'node_modules'), ['@kubernetes/client-node'])],
  });
}

/** The pod that runs it once as `serviceAccountName` (restartPolicy Never), as a manifest. */
export function inClusterClientPod(image: string, namespace: string, serviceAccountName: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'in-cluster-client', namespace, labels: { app: 'in-cluster-client' } },
    spec: {
      serviceAccountName,
      restartPolicy: 'Never',
      containers: [{ name: 'client', image, imagePullPolicy: 'Never' }],
    },
  };
}
