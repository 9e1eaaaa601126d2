/** The kubelet as a component, for its own process (main.ts) or a role's (`skiff agent`). */
// First: dockerode's unused transports (gRPC, SSH) must be stubbed before anything loads dockerode.
import './docker/unused-transports.ts';
import type { ComponentMain } from '@skiff/log';
import { parseKubeletFlags, type KubeletConfig } from './config.ts';
import { run } from './index.ts';

export const kubeletComponent: ComponentMain<KubeletConfig> = {
  component: 'kubelet',
  parseFlags: parseKubeletFlags,
  run,
};
