/** `kubectl describe pdb` (describePodDisruptionBudgetV1); the describe command adds the Events. */
import { fromLabelSelector } from '@skiff/api';
import type { Describer } from './describer.ts';

/** The selector as labels.Selector prints it: `app=web`, empty for `{}` (all pods) and for none. */
function selectorString(selector: unknown): string {
  try {
    return fromLabelSelector(selector as Parameters<typeof fromLabelSelector>[0]).toString();
  } catch {
    return '<unset>';
  }
}

export const describePodDisruptionBudget: Describer = (w, o) => {
  const spec = o.spec ?? {};
  const status = o.status ?? {};
  w.add(0, `Name:\t${o.metadata?.name ?? ''}`).add(0, `Namespace:\t${o.metadata?.namespace ?? ''}`);
  if (spec.minAvailable != null) w.add(0, `Min available:\t${spec.minAvailable}`);
  else if (spec.maxUnavailable != null) w.add(0, `Max unavailable:\t${spec.maxUnavailable}`);
  w.add(0, `Selector:\t${selectorString(spec.selector)}`);
  w.add(0, 'Status:');
  w.add(2, `Allowed disruptions:\t${status.disruptionsAllowed ?? 0}`);
  w.add(2, `Current:\t${status.currentHealthy ?? 0}`);
  w.add(2, `Desired:\t${status.desiredHealthy ?? 0}`);
  w.add(2, `Total:\t${status.expectedPods ?? 0}`);
};
