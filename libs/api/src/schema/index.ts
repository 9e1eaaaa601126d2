// Re-exported from @skiff/api: keep names specific, they share one namespace with the rest of the lib.
export { findUnknownFields } from './find-unknown-fields.ts';
export { dropNullFields } from './drop-null-fields.ts';
export { openApiDefinitions, findDefinitionName, type OpenApiSchema } from './openapi-definitions.ts';
export { builtinKinds as schemaKinds } from './builtin-kinds.ts';
