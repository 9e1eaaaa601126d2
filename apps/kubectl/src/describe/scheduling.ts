/** `kubectl describe priorityclass` (describePriorityClass). Issue #19. */
import type { Describer } from './describer.ts';
import { describeUnstructured } from './unstructured.ts';

export const describePriorityClass: Describer = (w, o) => describeUnstructured(w, o, false);
