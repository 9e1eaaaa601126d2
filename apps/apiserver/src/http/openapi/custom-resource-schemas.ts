/**
 * OpenAPI definitions of custom resources, made the way kube-apiserver's CRD builder
 * makes them: the served version's openAPIV3Schema, with `metadata` pointing at
 * ObjectMeta and apiVersion/kind described, named after the reversed group
 * ('stable.example.com' v1 CronTab → 'com.example.stable.v1.CronTab'), plus its List.
 * kubectl explain finds them by `x-kubernetes-group-version-kind`.
 */
import type { OpenApiSchema } from '@skiff/api';
import type { CustomResourceInfo } from '../../registry/custom-resources/served-resources.ts';

const metaRef = (name: string) => `#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.${name}`;

const apiVersionProperty: OpenApiSchema = {
  description:
    'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources',
  type: 'string',
};
const kindProperty: OpenApiSchema = {
  description:
    'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
  type: 'string',
};

/** 'stable.example.com' → 'com.example.stable' (Kubernetes' REST-friendly name). */
export function reversedGroup(group: string): string {
  return group.split('.').reverse().join('.');
}

/** The object and List definitions of each custom resource, keyed by definition name. */
export function customResourceDefinitions(customs: readonly CustomResourceInfo[]): Record<string, OpenApiSchema> {
  const definitions: Record<string, OpenApiSchema> = {};
  for (const res of customs) {
    const prefix = `${reversedGroup(res.group)}.${res.version}`;
    const gvk = (kind: string) => [{ group: res.group, kind, version: res.version }];
    const schema = structuredClone(res.custom.schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }) as OpenApiSchema;
    schema.type = 'object';
    schema.properties = {
      ...schema.properties,
      apiVersion: apiVersionProperty,
      kind: kindProperty,
      metadata: {
        $ref: metaRef('ObjectMeta'),
        description: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
      },
    };
    schema['x-kubernetes-group-version-kind'] = gvk(res.kind);
    definitions[`${prefix}.${res.kind}`] = schema;
    definitions[`${prefix}.${res.listKind}`] = {
      description: `${res.listKind} is a list of ${res.kind}`,
      type: 'object',
      required: ['items'],
      properties: {
        apiVersion: apiVersionProperty,
        items: {
          description: `List of ${res.resource}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md`,
          type: 'array',
          items: { $ref: `#/definitions/${prefix}.${res.kind}` },
        },
        kind: kindProperty,
        metadata: { $ref: metaRef('ListMeta'), description: 'Standard list metadata.' },
      },
      'x-kubernetes-group-version-kind': gvk(res.listKind),
    };
  }
  return definitions;
}

/**
 * A CRD schema as Swagger 2.0 can say it (kube-apiserver's ToStructuralOpenAPIV2):
 * v2 has no anyOf/oneOf/allOf/not/nullable, so those go; a nullable value loses its type,
 * items and properties, since a typed v2 schema would reject the null (kubectl 1.20
 * validates against it client-side); so do preserve-unknown-fields and int-or-string nodes.
 */
export function toSwaggerSchema(schema: OpenApiSchema): OpenApiSchema {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (['anyOf', 'oneOf', 'allOf', 'not', 'nullable'].includes(key)) continue;
    if (key === 'properties' && isRecord(value)) {
      out.properties = Object.fromEntries(Object.entries(value).map(([name, prop]) => [name, toSwaggerSchema(prop as OpenApiSchema)]));
    } else if ((key === 'items' || key === 'additionalProperties') && isRecord(value)) {
      out[key] = toSwaggerSchema(value as OpenApiSchema);
    } else {
      out[key] = value;
    }
  }
  if ((schema as { nullable?: boolean }).nullable) {
    delete out.type;
    delete out.items;
    delete out.properties;
  }
  // kubectl's v2 validation knows neither extension: it would refuse the unknown fields a
  // preserve-unknown-fields node keeps, and a string in an int-or-string typed integer.
  if (schema['x-kubernetes-preserve-unknown-fields'] === true) {
    delete out.type;
    delete out.properties;
    delete out.additionalProperties;
  }
  if (schema['x-kubernetes-int-or-string'] === true) delete out.type;
  return out as OpenApiSchema;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
