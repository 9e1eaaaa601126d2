/**
 * A volume the kubelet cannot prepare. The pod worker turns it into a FailedMount event
 * (`MountVolume.SetUp failed for volume "<volume>" : <message>`, the worker adds the prefix) and
 * keeps the pod's containers waiting in ContainerCreating, retrying on the next sync.
 */
export class VolumeError extends Error {
  /** The pod volume's name (spec.volumes[].name). */
  volume: string;

  constructor(volume: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VolumeError';
    this.volume = volume;
  }
}

/** The reason text of an error, without a stack: for VolumeError messages built from fs errors. */
export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
