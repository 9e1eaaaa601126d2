/**
 * Process entry: `node apps/local-path/src/main.ts --kubeconfig=PATH --node-name=NODE
 * [--storage-root=DIR] [--metrics-port=0]`. SIGTERM/SIGINT stop it with exit 0.
 */
import { runComponentMain } from '@skiff/log';
import { localPathComponent } from './component.ts';

await runComponentMain(localPathComponent);
