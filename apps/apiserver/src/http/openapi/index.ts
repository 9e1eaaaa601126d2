export { openApiRouter, negotiate } from './openapi-router.ts';
export { buildOpenApiV2Document, type OpenApiV2Document } from './openapi-v2-document.ts';
export { buildOpenApiV3Documents, type OpenApiV3Document } from './openapi-v3-document.ts';
export { encodeGnosticDocument, gnosticDocumentType } from './gnostic-proto.ts';
