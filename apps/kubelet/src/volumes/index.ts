/** The kubelet's volumes: see volume-manager.ts. */
export { VolumeManager, type VolumeManagerOptions } from './volume-manager.ts';
export { VolumeError } from './volume-error.ts';
export type { VolumeSources } from './volume-sources.ts';
export { renderEtcHosts } from './etc-hosts.ts';
export { writeAtomically, type Payload, type FileProjection } from './atomic-writer.ts';
