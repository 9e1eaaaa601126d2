/**
 * Process entry: `node apps/network-policy/src/main.ts --kubeconfig=PATH --node-name=NODE
 * [--cluster-cidr=CIDR]`, or `--cleanup`. SIGTERM/SIGINT stop it with exit 0.
 */
import { runComponentMain } from '@skiff/log';
import { networkPolicyComponent } from './component.ts';

await runComponentMain(networkPolicyComponent);
