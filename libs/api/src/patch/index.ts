export { PatchError, type PatchErrorKind } from './patch-error.ts';
export { applyJsonPatch, DEFAULT_MAX_COPY_BYTES, MAX_JSON_PATCH_OPERATIONS, type JsonPatchOptions } from './json-patch.ts';
export { applyMergePatch } from './merge-patch.ts';
export { applyStrategicMergePatch } from './strategic-merge-patch.ts';
export { patchMetaFor, type FieldPatchMeta, type TypePatchMeta } from './patch-meta.ts';
export { createThreeWayMergePatch } from './three-way-merge.ts';
