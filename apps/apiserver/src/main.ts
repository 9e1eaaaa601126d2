/**
 * Process entry: `node apps/apiserver/src/main.ts --etcd-servers=... --tls-cert-file=...`.
 * SIGTERM/SIGINT close gracefully (stop accepting, end watches, close etcd) and exit 0.
 */
import { runComponentMain } from '@skiff/log';
import { apiServerComponent } from './component.ts';

await runComponentMain(apiServerComponent);
