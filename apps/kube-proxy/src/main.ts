/**
 * Process entry: `node apps/kube-proxy/src/main.ts --kubeconfig=P --node-name=N
 * [--cluster-cidr=10.244.0.0/16] [--min-sync-period-ms=1000] [--metrics-port=10249] [--pod-routes=true] [--cleanup]`.
 * Besides the service rules it keeps host-gw pod routes (proto 211) for every other node.
 * SIGTERM/SIGINT stop gracefully (the rules stay, as kube-proxy leaves them) and exit 0.
 */
import { runComponentMain } from '@skiff/log';
import { kubeProxyComponent } from './component.ts';

await runComponentMain(kubeProxyComponent);
