export { PatchError, type PatchErrorKind } from './patch-error.ts';
export { applyJsonPatch } from './json-patch.ts';
export { applyMergePatch } from './merge-patch.ts';
export { applyStrategicMergePatch } from './strategic-merge-patch.ts';
export { patchMetaFor, type FieldPatchMeta, type TypePatchMeta } from './patch-meta.ts';
export { createThreeWayMergePatch } from './three-way-merge.ts';
