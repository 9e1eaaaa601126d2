/**
 * Turns a protobuf message into the JSON object the same Go struct would marshal to, driven
 * by a schema table (field number → "jsonName type"), so the registry sees exactly what a
 * JSON client would have sent.
 *
 * Field specs, e.g. `replicas *int32`, `labels map[string]`, `containers []Container`:
 * - types: string (the default), int32, int64, bool, bytes (→ base64), payload (the bytes as
 *   they are, for the envelope's embedded object), a message name,
 *   or one of the apimachinery types with their own JSON form: Time, MicroTime (RFC 3339),
 *   Quantity ("100m"), IntOrString (8080 or "http"), ExtraValue (a string list);
 * - `*T` keeps a zero value: Go pointers, and the few fields JSON always writes whose zero
 *   means something (a container's `exitCode: 0`, `restartCount: 0`). Go marshals every
 *   non-pointer scalar even when zero, so without the star a zero ("", 0, false) is dropped,
 *   as JSON's omitempty would have: `replicas: 0` survives, `generateName: ""` does not;
 * - `[]T` repeated, `map[T]` a map from string to T;
 * - a spec `...T` (no name) is an embedded struct whose fields JSON puts in the parent
 *   (Volume's VolumeSource, Probe's ProbeHandler).
 * A field number the table does not have is refused, never dropped: the table is a chosen
 * subset of Kubernetes' types, and silently losing a field would change what the user asked for.
 */
import { toSignedNumber, WireError, WireReader, WireType } from './wire.ts';

export type MessageSchema = Readonly<Record<number, string>>;
export type SchemaSet = Readonly<Record<string, MessageSchema>>;

/** A body Skiff cannot read as protobuf: `unsupported` when it is valid but outside the table. */
export class ProtobufDecodeError extends Error {
  readonly unsupported: boolean;

  constructor(message: string, unsupported = false) {
    super(message);
    this.unsupported = unsupported;
  }
}

interface FieldSpec {
  name: string;
  type: string;
  pointer: boolean;
  repeated: boolean;
  map: boolean;
  inline: boolean;
}

const scalarTypes = new Set(['string', 'int32', 'int64', 'bool', 'bytes']);
const utf8 = new TextDecoder();
const parsedSpecs = new Map<string, FieldSpec>();

function parseSpec(spec: string): FieldSpec {
  const cached = parsedSpecs.get(spec);
  if (cached) return cached;
  let parsed: FieldSpec;
  if (spec.startsWith('...')) {
    parsed = { name: '', type: spec.slice(3), pointer: false, repeated: false, map: false, inline: true };
  } else {
    const [name, rawType = 'string'] = spec.split(' ');
    let type = rawType;
    const repeated = type.startsWith('[]');
    if (repeated) type = type.slice(2);
    const map = type.startsWith('map[');
    if (map) type = type.slice(4, -1);
    const pointer = type.startsWith('*');
    if (pointer) type = type.slice(1);
    parsed = { name: name!, type, pointer, repeated, map, inline: false };
  }
  parsedSpecs.set(spec, parsed);
  return parsed;
}

export class MessageDecoder {
  private readonly schemas: SchemaSet;

  constructor(schemas: SchemaSet) {
    this.schemas = schemas;
  }

  has(type: string): boolean {
    return type in this.schemas;
  }

  decode(bytes: Uint8Array, type: string): Record<string, unknown> {
    try {
      return this.message(bytes, type, type);
    } catch (err) {
      if (err instanceof WireError) throw new ProtobufDecodeError(`malformed protobuf ${type}: ${err.message}`);
      throw err;
    }
  }

  private message(bytes: Uint8Array, type: string, path: string): Record<string, unknown> {
    const schema = this.schemas[type];
    if (!schema) throw new ProtobufDecodeError(`${path}: Skiff has no protobuf table for ${type}`, true);
    const out: Record<string, unknown> = {};
    const reader = new WireReader(bytes);
    while (!reader.done()) {
      const { field, wireType } = reader.tag();
      const spec = schema[field];
      if (spec === undefined) {
        throw new ProtobufDecodeError(`${path}: field ${field} of ${type} is not in Skiff's protobuf table; send this object as JSON`, true);
      }
      const f = parseSpec(spec);
      const where = f.inline ? path : `${path}.${f.name}`;
      if (f.inline) {
        Object.assign(out, this.message(expectBytes(reader, wireType, where), f.type, where));
      } else if (f.map) {
        const entry = this.mapEntry(expectBytes(reader, wireType, where), f.type, where);
        ((out[f.name] ??= {}) as Record<string, unknown>)[entry.key] = entry.value;
      } else if (f.repeated) {
        const list = (out[f.name] ??= []) as unknown[];
        if (wireType === WireType.bytes && isVarintType(f.type)) {
          const packed = new WireReader(reader.bytes());
          while (!packed.done()) list.push(this.value(packed, WireType.varint, f.type, where));
        } else {
          list.push(this.value(reader, wireType, f.type, where));
        }
      } else {
        const value = this.value(reader, wireType, f.type, where);
        if (value === undefined || (!f.pointer && isZero(value, f.type))) delete out[f.name];
        else out[f.name] = value;
      }
    }
    return out;
  }

  private mapEntry(bytes: Uint8Array, valueType: string, path: string): { key: string; value: unknown } {
    const reader = new WireReader(bytes);
    let key = '';
    let value: unknown = zeroOf(valueType);
    while (!reader.done()) {
      const { field, wireType } = reader.tag();
      if (field === 1) key = utf8.decode(expectBytes(reader, wireType, path));
      else if (field === 2) value = this.value(reader, wireType, valueType, `${path}[${key}]`);
      else reader.skip(wireType);
    }
    return { key, value };
  }

  private value(reader: WireReader, wireType: number, type: string, path: string): unknown {
    if (isVarintType(type)) {
      if (wireType !== WireType.varint) throw new ProtobufDecodeError(`${path}: expected a varint for ${type}, got wire type ${wireType}`);
      const raw = reader.varint();
      return type === 'bool' ? raw !== 0n : toSignedNumber(raw);
    }
    const bytes = expectBytes(reader, wireType, path);
    switch (type) {
      case 'string':
        return utf8.decode(bytes);
      case 'bytes':
        return Buffer.from(bytes).toString('base64');
      case 'payload':
        return bytes; // runtime.Unknown's raw object: decoded next, never shown as JSON
      case 'Time':
        return timeOf(this.message(bytes, 'apimachinery.Timestamp', path), false);
      case 'MicroTime':
        return timeOf(this.message(bytes, 'apimachinery.Timestamp', path), true);
      case 'Quantity':
        return (this.message(bytes, 'apimachinery.Quantity', path).string as string | undefined) ?? '0';
      case 'IntOrString': {
        const v = this.message(bytes, 'apimachinery.IntOrString', path);
        return v.type === 1 ? (v.strVal ?? '') : (v.intVal ?? 0);
      }
      case 'ExtraValue':
        return (this.message(bytes, 'apimachinery.ExtraValue', path).items as string[] | undefined) ?? [];
      default:
        return this.message(bytes, type, path);
    }
  }
}

function isVarintType(type: string): boolean {
  return type === 'int32' || type === 'int64' || type === 'bool';
}

function expectBytes(reader: WireReader, wireType: number, path: string): Uint8Array {
  if (wireType !== WireType.bytes) throw new ProtobufDecodeError(`${path}: expected a length-delimited field, got wire type ${wireType}`);
  return reader.bytes();
}

function zeroOf(type: string): unknown {
  if (type === 'string' || type === 'bytes') return '';
  if (type === 'bool') return false;
  if (type === 'int32' || type === 'int64') return 0;
  if (type === 'Quantity') return '0';
  return {};
}

/** What Go's omitempty would drop; a message that is present stays, even when empty. */
function isZero(value: unknown, type: string): boolean {
  if (scalarTypes.has(type)) return value === '' || value === 0 || value === false;
  if (type === 'Quantity') return value === '0';
  if (type === 'IntOrString') return value === 0 || value === '';
  return false;
}

/** metav1.Time marshals the zero time as an empty message: no time at all. */
function timeOf(ts: Record<string, unknown>, micro: boolean): string | undefined {
  if (ts.seconds === undefined && ts.nanos === undefined) return undefined;
  const ms = Number(ts.seconds ?? 0) * 1000 + Math.floor(Number(ts.nanos ?? 0) / 1e6);
  const iso = new Date(ms).toISOString(); // 2024-05-01T10:00:00.123Z
  if (!micro) return `${iso.slice(0, 19)}Z`;
  const micros = String(Math.floor(Number(ts.nanos ?? 0) / 1000)).padStart(6, '0');
  return `${iso.slice(0, 19)}.${micros}Z`;
}
