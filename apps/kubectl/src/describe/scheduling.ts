/** `kubectl describe priorityclass` (describePriorityClass): value, default, policy, description, annotations on one line. */
import type { Describer } from './describer.ts';
import { formatMap } from './lines.ts';

export const describePriorityClass: Describer = (w, o) => {
  w.field(0, 'Name', o.metadata?.name);
  w.field(0, 'Value', o.value ?? 0);
  w.field(0, 'GlobalDefault', o.globalDefault === true);
  w.field(0, 'PreemptionPolicy', o.preemptionPolicy);
  // Go prints an empty description as nothing, not <none>.
  w.add(0, `Description:\t${o.description ?? ''}`);
  w.field(0, 'Annotations', formatMap(o.metadata?.annotations));
};
