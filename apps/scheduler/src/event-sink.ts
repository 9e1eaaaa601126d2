import type { EventObjectRef } from '@skiff/client';

/** Where the scheduler records events (the EventRecorder; a list in tests). */
export interface EventSink {
  event(obj: EventObjectRef, type: 'Normal' | 'Warning', reason: string, message: string): void;
}
