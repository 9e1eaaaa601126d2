/**
 * spec.podFailurePolicy (kube's pod_failure_policy.go): the first rule matching a failed
 * pod decides what its failure does — FailJob ends the Job, Ignore does not count it
 * toward backoffLimit, Count counts it as usual. FailIndex needs backoffLimitPerIndex,
 * which Skiff does not implement: it counts, as a Job without that field would.
 */
import type { ContainerStatus, Job, Pod } from '@skiff/api';

type PodFailurePolicyRule = NonNullable<NonNullable<Job['spec']>['podFailurePolicy']>['rules'][number];

export type FailurePolicyAction = 'FailJob' | 'Ignore' | 'Count';

export interface FailurePolicyMatch {
  action: FailurePolicyAction;
  /** Upstream's wording, used as the Job condition's message on FailJob. */
  message: string;
}

/** The action for a pod in phase Failed, or undefined when no rule matches (the failure counts). */
export function matchPodFailurePolicy(job: Job, pod: Pod): FailurePolicyMatch | undefined {
  const rules = job.spec?.podFailurePolicy?.rules ?? [];
  const podKey = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
  for (const [index, rule] of rules.entries()) {
    const action = actionOf(rule);
    if (rule.onExitCodes) {
      const container = matchingContainer(rule, pod);
      if (container) {
        const code = container.state?.terminated?.exitCode;
        return {
          action,
          message: `Container ${container.name} for pod ${podKey} failed with exit code ${code} matching ${rule.action} rule at index ${index}`,
        };
      }
    } else if (rule.onPodConditions) {
      const condition = rule.onPodConditions.find((pattern) =>
        pod.status?.conditions?.some((c) => c.type === pattern.type && c.status === (pattern.status ?? 'True')),
      );
      if (condition) return { action, message: `Pod ${podKey} has condition ${condition.type} matching ${rule.action} rule at index ${index}` };
    }
  }
  return undefined;
}

function actionOf(rule: PodFailurePolicyRule): FailurePolicyAction {
  return rule.action === 'FailJob' || rule.action === 'Ignore' ? rule.action : 'Count';
}

/** The first terminated container (init containers included) whose non-zero exit code satisfies the rule. */
function matchingContainer(rule: PodFailurePolicyRule, pod: Pod): ContainerStatus | undefined {
  const req = rule.onExitCodes!;
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  return statuses.find((s) => {
    if (req.containerName && s.name !== req.containerName) return false;
    const code = s.state?.terminated?.exitCode;
    if (code === undefined || code === 0) return false;
    const listed = req.values.includes(code);
    return req.operator === 'NotIn' ? !listed : listed;
  });
}
