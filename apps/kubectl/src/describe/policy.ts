/** `kubectl describe pdb` (describePodDisruptionBudget). Issue #19. */
import type { Describer } from './describer.ts';
import { describeUnstructured } from './unstructured.ts';

export const describePodDisruptionBudget: Describer = (w, o) => describeUnstructured(w, o, true);
