/**
 * Process entry: `node apps/ingress/src/main.ts --kubeconfig=PATH --node-name=NODE [--http-port=80]
 * [--https-port=443]`. SIGTERM/SIGINT stop it with exit 0.
 */
import { runComponentMain } from '@skiff/log';
import { ingressComponent } from './component.ts';

await runComponentMain(ingressComponent);
