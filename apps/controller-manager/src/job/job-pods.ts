/**
 * The pods a Job creates: the template's pod (common/pod-control) plus the tracking
 * finalizer and, for an Indexed Job, the completion index as annotation, label, the
 * JOB_COMPLETION_INDEX environment variable, the hostname `<job>-<index>` and the name
 * `<job>-<index>-<random>`.
 */
import type { Container, Job, Pod } from '@skiff/api';
import { buildPodFromTemplate } from '../common/pod-control.ts';
import type { GroupVersionKind } from '../common/controller-ref.ts';
import { JOB_COMPLETION_INDEX, JOB_COMPLETION_INDEX_ENV, JOB_TRACKING_FINALIZER } from './util.ts';

export const jobGvk: GroupVersionKind = { apiVersion: 'batch/v1', kind: 'Job' };

export function buildJobPod(job: Job, index: number | undefined): Pod {
  const name = job.metadata?.name ?? '';
  const pod = buildPodFromTemplate(job.metadata?.namespace ?? '', job.spec?.template, job, jobGvk);
  const metadata = pod.metadata!;
  metadata.finalizers = [...(metadata.finalizers ?? []), JOB_TRACKING_FINALIZER];
  if (index === undefined) return pod;
  metadata.generateName = `${name}-${index}-`;
  metadata.annotations = { ...metadata.annotations, [JOB_COMPLETION_INDEX]: String(index) };
  metadata.labels = { ...metadata.labels, [JOB_COMPLETION_INDEX]: String(index) };
  const spec = pod.spec!;
  if (!spec.hostname) spec.hostname = `${name}-${index}`;
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) addIndexEnv(c);
  return pod;
}

function addIndexEnv(container: Container): void {
  if (container.env?.some((e) => e.name === JOB_COMPLETION_INDEX_ENV)) return;
  container.env = [
    ...(container.env ?? []),
    { name: JOB_COMPLETION_INDEX_ENV, valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX}']` } } },
  ];
}
