/**
 * What a user applies to install the Backup operator (as an operator's install.yaml would hold):
 * its namespace, service account, the least RBAC it needs, its Deployment, and the validating
 * webhook (TLS Secret, Deployment, Service, ValidatingWebhookConfiguration). Manifests as objects,
 * applied with kubectl as a `kind: List`.
 */
export const NAMESPACE = 'backup-operator';
export const CRD_NAME = 'backups.homelab.example.com';
export const WEBHOOK_SERVICE = 'backup-webhook';
export const WEBHOOK_CONFIGURATION = 'backup-keep-limit';
export const WEBHOOK_NAME = 'keep.backups.homelab.example.com';
/** The names the serving certificate must carry: the apiserver checks `<service>.<namespace>.svc`. */
export const WEBHOOK_HOSTS = [`${WEBHOOK_SERVICE}.${NAMESPACE}.svc`, `${WEBHOOK_SERVICE}.${NAMESPACE}.svc.cluster.local`];

type Manifest = Record<string, unknown>;

export function list(items: Manifest[]): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
}

function deployment(name: string, image: string, container: Manifest, pod: Manifest = {}): Manifest {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NAMESPACE },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { ...pod, containers: [{ name, image, imagePullPolicy: 'Never', ...container }] },
      },
    },
  };
}

/** The namespace, the operator's identity and rights, and the operator itself. */
export function operatorManifests(image: string, program: string): Manifest[] {
  const sa = { kind: 'ServiceAccount', name: 'backup-operator', namespace: NAMESPACE };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa.name, namespace: NAMESPACE } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'backup-operator' },
      rules: [
        { apiGroups: ['homelab.example.com'], resources: ['backups'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['homelab.example.com'], resources: ['backups/status'], verbs: ['update', 'patch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'backup-operator' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'backup-operator' },
      subjects: [sa],
    },
    deployment('backup-operator', image, { command: ['/bin/node', program] }, { serviceAccountName: sa.name }),
  ];
}

/** The webhook's serving certificate, its pod (ready once it answers HTTPS), and its Service on 443. */
export function webhookManifests(image: string, program: string, serving: { cert: string; key: string }): Manifest[] {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: { name: 'backup-webhook-tls', namespace: NAMESPACE },
      data: { 'tls.crt': b64(serving.cert), 'tls.key': b64(serving.key) },
    },
    deployment(
      WEBHOOK_SERVICE,
      image,
      {
        command: ['/bin/node', program],
        ports: [{ name: 'https', containerPort: 8443 }],
        volumeMounts: [{ name: 'certs', mountPath: '/certs', readOnly: true }],
        readinessProbe: { httpGet: { scheme: 'HTTPS', path: '/healthz', port: 8443 }, periodSeconds: 2 },
      },
      { volumes: [{ name: 'certs', secret: { secretName: 'backup-webhook-tls' } }] },
    ),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: WEBHOOK_SERVICE, namespace: NAMESPACE },
      spec: { selector: { app: WEBHOOK_SERVICE }, ports: [{ name: 'https', port: 443, targetPort: 'https' }] },
    },
  ];
}

/** Sends CREATE and UPDATE of backups (not backups/status: the operator's writes skip it) to the webhook. */
export function webhookConfiguration(caPem: string): Manifest {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: WEBHOOK_CONFIGURATION },
    webhooks: [
      {
        name: WEBHOOK_NAME,
        clientConfig: {
          service: { namespace: NAMESPACE, name: WEBHOOK_SERVICE, path: '/validate', port: 443 },
          caBundle: Buffer.from(caPem).toString('base64'),
        },
        rules: [{ apiGroups: ['homelab.example.com'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['backups'], scope: 'Namespaced' }],
        failurePolicy: 'Fail',
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
        timeoutSeconds: 5,
      },
    ],
  };
}

export function backup(name: string, keep: number): string {
  return JSON.stringify({
    apiVersion: 'homelab.example.com/v1',
    kind: 'Backup',
    metadata: { name, namespace: 'default' },
    spec: { schedule: '0 3 * * *', claim: `data-${name}`, keep },
  });
}
