import type { Pod } from '@skiff/api';
import type { Binder } from '../binder.ts';
import type { EventSink } from '../event-sink.ts';
import type { Candidate } from './pick-node.ts';

/**
 * Upstream's prepareCandidate: every victim not already terminating gets its DisruptionTarget
 * condition and a graceful delete (in parallel), then a Normal Preempted event naming the
 * preemptor's uid and the node. A victim already being deleted is left to finish: deleting it
 * again would change nothing.
 */
export async function preemptVictims(
  binder: Binder,
  recorder: EventSink | undefined,
  preemptor: Pod,
  schedulerName: string,
  candidate: Candidate,
): Promise<void> {
  if (!binder.preemptVictim) throw new Error('this binder cannot delete pods');
  const preemptVictim = binder.preemptVictim.bind(binder);
  const message = `${schedulerName}: preempting to accommodate a higher priority pod`;
  const pending = candidate.pods.filter((victim) => !victim.pod.metadata?.deletionTimestamp);
  await Promise.all(
    pending.map(async ({ pod: victim }) => {
      await preemptVictim(victim, message);
      recorder?.event(victim, 'Normal', 'Preempted', `Preempted by pod ${preemptor.metadata?.uid ?? ''} on node ${candidate.node.name}`);
    }),
  );
}
