/**
 * Process entry: `node apps/dns/src/main.ts --kubeconfig=PATH [--bind=127.0.0.1] [--port=53]
 * [--cluster-domain=cluster.local] [--upstream=IP[:port],...] [--metrics-port=9153]`.
 * SIGTERM/SIGINT close the sockets and exit 0.
 */
import { runComponentMain } from '@skiff/log';
import { dnsComponent } from './component.ts';

await runComponentMain(dnsComponent);
