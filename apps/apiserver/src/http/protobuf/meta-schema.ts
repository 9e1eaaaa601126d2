/**
 * Field tables for apimachinery's messages (meta/v1, runtime, intstr, resource): the field
 * numbers are the wire facts of Kubernetes' generated.proto files, written out by hand for the
 * fields Skiff reads; names are the JSON names. Grammar: message-decoder.ts.
 */
import type { SchemaSet } from './message-decoder.ts';

export const metaSchemas: SchemaSet = {
  // The envelope every protobuf body travels in: "k8s\0" + runtime.Unknown.
  'runtime.Unknown': { 1: 'typeMeta runtime.TypeMeta', 2: 'raw payload', 3: 'contentEncoding', 4: 'contentType' },
  'runtime.TypeMeta': { 1: 'apiVersion', 2: 'kind' },

  // Types with a JSON form of their own (see MessageDecoder.value).
  'apimachinery.Timestamp': { 1: 'seconds *int64', 2: 'nanos *int32' },
  'apimachinery.Quantity': { 1: 'string' },
  'apimachinery.IntOrString': { 1: 'type *int64', 2: 'intVal *int32', 3: 'strVal *string' },
  'apimachinery.ExtraValue': { 1: 'items []string' },

  ObjectMeta: {
    1: 'name',
    2: 'generateName',
    3: 'namespace',
    4: 'selfLink',
    5: 'uid',
    6: 'resourceVersion',
    7: 'generation int64',
    8: 'creationTimestamp Time',
    9: 'deletionTimestamp *Time',
    10: 'deletionGracePeriodSeconds *int64',
    11: 'labels map[string]',
    12: 'annotations map[string]',
    13: 'ownerReferences []OwnerReference',
    14: 'finalizers []string',
    17: 'managedFields []ManagedFieldsEntry',
  },
  OwnerReference: { 5: 'apiVersion', 1: 'kind', 3: 'name', 4: 'uid', 6: 'controller *bool', 7: 'blockOwnerDeletion *bool' },
  ManagedFieldsEntry: {
    1: 'manager',
    2: 'operation',
    3: 'apiVersion',
    4: 'time *Time',
    6: 'fieldsType',
    7: 'fieldsV1 FieldsV1',
    8: 'subresource',
  },
  // FieldsV1 is raw JSON on the wire; kept as the string it carries (clients rarely send it).
  FieldsV1: { 1: 'Raw bytes' },
  LabelSelector: { 1: 'matchLabels map[string]', 2: 'matchExpressions []LabelSelectorRequirement' },
  LabelSelectorRequirement: { 1: 'key', 2: 'operator', 3: 'values []string' },
  FieldSelectorRequirement: { 1: 'key', 2: 'operator', 3: 'values []string' },
  DeleteOptions: {
    1: 'gracePeriodSeconds *int64',
    2: 'preconditions Preconditions',
    3: 'orphanDependents *bool',
    4: 'propagationPolicy *string',
    5: 'dryRun []string',
    6: 'ignoreStoreReadErrorWithClusterBreakingPotential *bool',
  },
  Condition: { 1: 'type', 2: 'status', 3: 'observedGeneration int64', 4: 'lastTransitionTime Time', 5: 'reason', 6: 'message *string' },
  Preconditions: { 1: 'uid *string', 2: 'resourceVersion *string' },
};
