import type { Filter } from './filter.ts';
import { filterNodeReadySchedulable } from './node-ready-schedulable.ts';
import { filterTaintToleration } from './taint-toleration.ts';
import { filterNodeSelector } from './node-selector.ts';
import { filterNodePorts } from './node-ports.ts';
import { filterNodeResourcesFit } from './node-resources-fit.ts';
import { filterVolumeBinding } from './volume-binding.ts';

export type { Filter, FilterResult } from './filter.ts';

/**
 * In kube's plugin order; a node is reported with the reasons of the first filter that
 * rejects it, so its count lands under one phrase (resources may add several).
 */
export const DEFAULT_FILTERS: readonly Filter[] = [
  filterNodeReadySchedulable,
  filterTaintToleration,
  filterNodeSelector,
  filterNodePorts,
  filterNodeResourcesFit,
  filterVolumeBinding,
];
