/**
 * Audit events (audit.k8s.io/v1 Event) for the requests the policy selects, as kube-apiserver's
 * WithAudit filter records them: one event per stage — RequestReceived once the user is known,
 * ResponseStarted when a long-running request (a watch) sends its headers, ResponseComplete when
 * the response ends, Panic instead when the handler failed unexpectedly. Metadata and up carry
 * the user, objectRef and response status; Request adds the request body, RequestResponse the
 * response body.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@skiff/log';
import type { UserInfo } from '../../registry/handlers.ts';
import type { RequestInfo } from '../request-info.ts';
import { isLongRunning } from '../max-in-flight.ts';
import { decodeBody, tapRequest, tapResponse } from './body-taps.ts';
import { AuditLogWriter } from './log-writer.ts';
import { DEFAULT_AUDIT_POLICY, evaluatePolicy, loadAuditPolicy, type AuditDecision, type AuditPolicy, type AuditStage } from './policy.ts';

export interface AuditorOptions {
  path: string;
  policyFile?: string;
  /** Or the policy itself (tests); neither: Skiff's default policy. */
  policy?: AuditPolicy;
  maxSizeMB: number;
  maxBackups: number;
  maxAgeDays: number;
  logger: Logger;
  /** Bodies larger than this are not copied into events (the request body limit). */
  maxBodyBytes: number;
}

interface ObjectReference {
  resource?: string;
  namespace?: string;
  name?: string;
  apiGroup?: string;
  apiVersion?: string;
  subresource?: string;
}

interface AuditUser {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface AuditEvent {
  kind: 'Event';
  apiVersion: 'audit.k8s.io/v1';
  level: string;
  auditID: string;
  stage: AuditStage;
  requestURI: string;
  verb: string;
  user: AuditUser;
  impersonatedUser?: AuditUser;
  sourceIPs: string[];
  userAgent?: string;
  objectRef?: ObjectReference;
  responseStatus?: Record<string, unknown>;
  requestObject?: unknown;
  responseObject?: unknown;
  requestReceivedTimestamp: string;
  stageTimestamp: string;
  annotations?: Record<string, string>;
}

/** The user of requests that carry no credentials, as upstream's anonymous authenticator names it. */
export const ANONYMOUS: UserInfo = Object.freeze({ username: 'system:anonymous', groups: ['system:unauthenticated'] });

/** The Audit-ID a client sent (kept, as upstream does, when it looks sane) or a fresh one. */
export function auditIdFor(req: IncomingMessage): string {
  const sent = req.headers['audit-id'];
  return typeof sent === 'string' && /^[\w.-]{1,64}$/.test(sent) ? sent : randomUUID();
}

/** Kubernetes' MicroTime: RFC 3339 with microseconds. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function auditUser(u: UserInfo): AuditUser {
  return { username: u.username, ...(u.uid ? { uid: u.uid } : {}), groups: u.groups, ...(u.extra ? { extra: u.extra } : {}) };
}

/** utilnet.SourceIPs: X-Forwarded-For, then X-Real-Ip, then the peer, each once. */
function sourceIPs(req: IncomingMessage): string[] {
  const ips: string[] = [];
  const add = (ip: string | undefined) => {
    if (ip && !ips.includes(ip)) ips.push(ip);
  };
  const forwarded = req.headers['x-forwarded-for'];
  if (typeof forwarded === 'string')
    forwarded
      .split(',')
      .map((s) => s.trim())
      .forEach(add);
  const real = req.headers['x-real-ip'];
  if (typeof real === 'string') add(real.trim());
  add(req.socket.remoteAddress?.replace(/^::ffff:/, ''));
  return ips;
}

function objectRefOf(info: RequestInfo): ObjectReference | undefined {
  if (!info.isResourceRequest) return undefined;
  const ref: ObjectReference = { resource: info.resource };
  if (info.namespace) ref.namespace = info.namespace;
  if (info.name) ref.name = info.name;
  if (info.group) ref.apiGroup = info.group;
  ref.apiVersion = info.version;
  if (info.subresource) ref.subresource = info.subresource;
  return ref;
}

/** Each audited request's event, for the handlers that annotate it (admission's audit annotations). */
const requestAudits = new WeakMap<IncomingMessage, RequestAudit>();

/** The live annotations of the request's audit event; a record nobody reads when it is not audited. */
export function auditAnnotationsOf(req: IncomingMessage): Record<string, string> {
  return requestAudits.get(req)?.annotations() ?? {};
}

export class Auditor {
  private readonly writer: AuditLogWriter;
  private readonly policy: AuditPolicy;
  readonly maxBodyBytes: number;

  constructor(opts: AuditorOptions) {
    this.policy = opts.policy ?? (opts.policyFile ? loadAuditPolicy(opts.policyFile) : DEFAULT_AUDIT_POLICY);
    this.maxBodyBytes = opts.maxBodyBytes;
    this.writer = new AuditLogWriter({
      path: opts.path,
      maxBytes: opts.maxSizeMB * 1024 * 1024,
      maxBackups: opts.maxBackups,
      maxAgeDays: opts.maxAgeDays,
      logger: opts.logger,
    });
  }

  /** Starts auditing a request once its user is known; undefined when the policy says None. */
  begin(req: IncomingMessage, res: ServerResponse | undefined, auditID: string, info: RequestInfo, user: UserInfo, received: number): RequestAudit | undefined {
    const decision = evaluatePolicy(this.policy, user, info);
    if (decision.level === 'None') return undefined;
    const audit = new RequestAudit(
      this,
      decision,
      {
        kind: 'Event',
        apiVersion: 'audit.k8s.io/v1',
        level: decision.level,
        auditID,
        stage: 'RequestReceived',
        requestURI: req.url ?? '/',
        verb: info.verb,
        user: auditUser(user),
        sourceIPs: sourceIPs(req),
        ...(req.headers['user-agent'] ? { userAgent: req.headers['user-agent'] } : {}),
        ...(info.isResourceRequest ? { objectRef: objectRefOf(info) } : {}),
        requestReceivedTimestamp: microTime(received),
        stageTimestamp: '',
      },
      isLongRunning(info),
    );
    audit.emit('RequestReceived');
    requestAudits.set(req, audit);
    if (res) audit.watch(req, res, info);
    return audit;
  }

  record(event: AuditEvent): void {
    this.writer.write(event);
  }

  close(): void {
    this.writer.close();
  }
}

/** One request's event, completed as the request goes through authorization and the handler. */
export class RequestAudit {
  private readonly auditor: Auditor;
  private readonly decision: AuditDecision;
  private readonly event: AuditEvent;
  private readonly longRunning: boolean;
  private completed = false;
  private panicked: string | undefined;

  constructor(auditor: Auditor, decision: AuditDecision, event: AuditEvent, longRunning: boolean) {
    this.auditor = auditor;
    this.decision = decision;
    this.event = event;
    this.longRunning = longRunning;
  }

  impersonating(user: UserInfo): void {
    this.event.impersonatedUser = auditUser(user);
  }

  authorized(allowed: boolean, reason: string): void {
    Object.assign(this.annotations(), { 'authorization.k8s.io/decision': allowed ? 'allow' : 'forbid', 'authorization.k8s.io/reason': reason });
  }

  /** The event's annotations, live: what is set here appears in the stages emitted after. */
  annotations(): Record<string, string> {
    return (this.event.annotations ??= {});
  }

  /**
   * exec/attach/port-forward arrive as Upgrade requests, outside express: a refusal completes
   * the event at once; a switch to the stream protocol is ResponseStarted (101), and the
   * stream's end ResponseComplete.
   */
  upgradeRefused(status: Record<string, unknown>, code: number): void {
    this.event.responseStatus = { metadata: {}, status: status.status, message: status.message, reason: status.reason, code };
    this.emit('ResponseComplete');
  }

  upgraded(socket: { once(event: 'close', listener: () => void): unknown }): void {
    this.event.responseStatus = { metadata: {}, code: 101 };
    this.emit('ResponseStarted');
    socket.once('close', () => this.emit('ResponseComplete'));
  }

  /** The handler threw something that is not an API error: the last stage is Panic. */
  panic(err: unknown): void {
    this.panicked = `APIServer panic'd: ${(err as Error)?.message ?? String(err)}`;
  }

  emit(stage: AuditStage, now = Date.now()): void {
    if (this.decision.omitStages.has(stage)) return;
    const annotations = this.event.annotations ? { annotations: { ...this.event.annotations } } : {};
    this.auditor.record({ ...this.event, ...annotations, stage, stageTimestamp: microTime(now) });
  }

  /** Copies the bodies the level asks for (and failures' Status) and emits the response stages. */
  watch(req: IncomingMessage, res: ServerResponse, info: RequestInfo): void {
    const limit = this.auditor.maxBodyBytes;
    const level = this.decision.level;
    // A create names its object in the body only: objectRef takes the name from it, as upstream's.
    const wantRequest = level === 'Request' || level === 'RequestResponse' || (info.verb === 'create' && !info.name);
    const requestBody = wantRequest ? tapRequest(req, limit) : undefined;
    const responseBody = tapResponse(res, limit, level === 'RequestResponse' && !this.longRunning);
    if (this.longRunning) {
      const writeHead = res.writeHead;
      let started = false;
      res.writeHead = ((...args: Parameters<ServerResponse['writeHead']>) => {
        const out = writeHead.apply(res, args);
        if (!started) {
          started = true;
          this.emit('ResponseStarted');
        }
        return out;
      }) as ServerResponse['writeHead'];
    }
    const complete = (): void => {
      if (this.completed) return;
      this.completed = true;
      this.finish(res.statusCode, requestBody?.(), responseBody(), req.headers['content-type']);
    };
    res.on('finish', complete);
    res.on('close', complete);
  }

  private finish(code: number, request: Buffer | undefined, response: Buffer | undefined, contentType: string | undefined): void {
    const event = this.event;
    const requestObject = request?.length ? decodeBody(request, contentType) : undefined;
    if (requestObject && typeof requestObject === 'object' && event.objectRef) {
      const meta = (requestObject as { metadata?: { name?: unknown; namespace?: unknown } }).metadata;
      if (!event.objectRef.name && typeof meta?.name === 'string') event.objectRef.name = meta.name;
      if (!event.objectRef.namespace && typeof meta?.namespace === 'string') event.objectRef.namespace = meta.namespace;
    }
    const level = this.decision.level;
    if (requestObject !== undefined && (level === 'Request' || level === 'RequestResponse')) event.requestObject = this.trim(requestObject);
    const responseObject = response?.length ? decodeBody(response, 'application/json') : undefined;
    const status = responseObject as Record<string, unknown> | undefined;
    if (code >= 400 && status?.kind === 'Status') {
      event.responseStatus = { metadata: {}, status: status.status, message: status.message, reason: status.reason, details: status.details, code };
    } else {
      event.responseStatus = { metadata: {}, code };
    }
    if (responseObject !== undefined && level === 'RequestResponse') event.responseObject = this.trim(responseObject);
    if (this.panicked) {
      event.responseStatus = { metadata: {}, status: 'Failure', message: this.panicked, reason: 'InternalError', code: 500 };
      this.emit('Panic');
      return;
    }
    this.emit('ResponseComplete');
  }

  /** omitManagedFields: the object's (or each listed item's) managedFields are left out. */
  private trim(obj: unknown): unknown {
    if (!this.decision.omitManagedFields || !obj || typeof obj !== 'object') return obj;
    const strip = (o: unknown) => {
      const meta = (o as { metadata?: Record<string, unknown> })?.metadata;
      if (meta && 'managedFields' in meta) delete meta.managedFields;
    };
    strip(obj);
    const items = (obj as { items?: unknown }).items;
    if (Array.isArray(items)) items.forEach(strip);
    return obj;
  }
}
