/**
 * Field tables for PriorityClass, which client-go's typed clients send as protobuf:
 * `kubectl create priorityclass`. Numbers from k8s.io/api/scheduling/v1/generated.proto; names
 * are JSON's. Grammar: message-decoder.ts. `value` is a plain int32 that JSON always writes,
 * so a 0 is kept.
 */
import type { SchemaSet } from './message-decoder.ts';

export const schedulingSchemas: SchemaSet = {
  PriorityClass: { 1: 'metadata ObjectMeta', 2: 'value *int32', 3: 'globalDefault bool', 4: 'description', 5: 'preemptionPolicy *string' },
};
