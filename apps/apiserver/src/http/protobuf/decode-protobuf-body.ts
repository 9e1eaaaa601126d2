/**
 * Request bodies in `application/vnd.kubernetes.protobuf`, which client-go's typed clients send
 * since Kubernetes 1.31 with no JSON fall-back — `kubectl create deployment`, `kubectl auth
 * can-i` and `kubectl drain` among them. The body is the magic "k8s\0" then a runtime.Unknown
 * envelope naming the apiVersion/kind and carrying the object's own message; the result is the
 * JSON object a JSON client would have sent, handed to the registry unchanged from then on.
 */
import { kindSchemas, decodableKinds, messageForKind } from './kind-schema.ts';
import { MessageDecoder, ProtobufDecodeError } from './message-decoder.ts';
import { metaSchemas } from './meta-schema.ts';
import { podSchemas } from './pod-schema.ts';
import { rbacSchemas } from './rbac-schema.ts';
import { networkingSchemas } from './networking-schema.ts';
import { autoscalingSchemas } from './autoscaling-schema.ts';
import { policySchemas } from './policy-schema.ts';
import { schedulingSchemas } from './scheduling-schema.ts';

export { ProtobufDecodeError } from './message-decoder.ts';

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]); // "k8s\0"

const decoder = new MessageDecoder({
  ...metaSchemas,
  ...podSchemas,
  ...kindSchemas,
  ...rbacSchemas,
  ...networkingSchemas,
  ...policySchemas,
  ...autoscalingSchemas,
  ...schedulingSchemas,
});

export function decodeProtobufBody(body: Buffer): Record<string, unknown> {
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new ProtobufDecodeError('protobuf body does not start with the Kubernetes magic prefix "k8s\\x00"');
  }
  const envelope = decoder.decode(body.subarray(MAGIC.length), 'runtime.Unknown');
  const typeMeta = (envelope.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  const apiVersion = typeMeta.apiVersion ?? '';
  const kind = typeMeta.kind ?? '';
  if (envelope.contentEncoding) throw new ProtobufDecodeError(`protobuf content encoding "${String(envelope.contentEncoding)}" is not supported`);
  const message = messageForKind(apiVersion, kind);
  if (!message) {
    throw new ProtobufDecodeError(
      `Skiff reads protobuf bodies of ${decodableKinds()}; send ${apiVersion || '(no apiVersion)'} ${kind || '(no kind)'} as application/json`,
      true,
    );
  }
  return { apiVersion, kind, ...decoder.decode((envelope.raw as Uint8Array | undefined) ?? new Uint8Array(), message) };
}
