import type { KubeObject } from '../../storage/store.ts';
import type { Strategy } from './strategy.ts';

/** Generic rule: kinds with a spec have a generation. */
export const defaultStrategy: Strategy = {
  prepareForCreate() {},
  prepareForUpdate() {},
  tracksGeneration: (obj: KubeObject) => obj.spec !== undefined,
};

export const clearStatusOnCreate: Strategy = {
  ...defaultStrategy,
  prepareForCreate(obj) {
    obj.status = {};
  },
};
