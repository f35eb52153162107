/**
 * The OTLP `Resource` and `InstrumentationScope` messages, encoded once per
 * object and copied into every request after that: every span and log
 * record of a process shares one resource and a few scopes.
 *
 * What is written follows `@opentelemetry/otlp-transformer@0.301.0`: a
 * resource always has `dropped_attributes_count` (0), its schema URL goes
 * in the enclosing `ResourceSpans`/`ResourceLogs` (not here); a scope
 * always has its name, and its version, attributes and dropped count only
 * when set.
 *
 * @module
 */
import type { Attributes } from "@opentelemetry/api";
import type { InstrumentationScope } from "@opentelemetry/core";
import type { Resource } from "@opentelemetry/resources";
import { writeAttributes } from "./attributes.ts";
import { type ProtoWriter, WireType } from "./writer.ts";

/** An instrumentation scope as the SDKs hand it over (log records' may carry attributes). */
export type Scope = InstrumentationScope & {
  readonly attributes?: Attributes;
  readonly droppedAttributesCount?: number;
};

/** Encoded `resource` fields (tag included), by resource object. */
const resources = new WeakMap<Resource, Uint8Array>();
/** Encoded `scope` fields (tag included), by scope object. */
const scopes = new WeakMap<Scope, Uint8Array>();

/**
 * Writes `resource` as field 1 of a `ResourceSpans`/`ResourceLogs`. A
 * resource's attributes do not change once its asynchronous attributes
 * have settled, so from then on its bytes are kept by object identity;
 * an unsettled resource is encoded afresh every time.
 */
export function writeResource(writer: ProtoWriter, resource: Resource): void {
  const cached = resources.get(resource);
  if (cached !== undefined) {
    writer.raw(cached);
    return;
  }
  const start = writer.pos;
  writer.tag(1, WireType.LEN);
  const at = writer.begin(2);
  const attributes = resource.attributes;
  if (attributes) writeAttributes(writer, attributes, 1);
  writer.tag(2, WireType.VARINT);
  writer.uint32(0);
  writer.end(at, 2);
  if (!resource.asyncAttributesPending) {
    resources.set(resource, writer.buf.slice(start, writer.pos));
  }
}

/**
 * Writes `scope` as field 1 of a `ScopeSpans`/`ScopeLogs`, kept by object
 * identity: the SDKs hand the same scope object to every span or log
 * record of a tracer or logger, and never change it.
 */
export function writeScope(writer: ProtoWriter, scope: Scope): void {
  const cached = scopes.get(scope);
  if (cached !== undefined) {
    writer.raw(cached);
    return;
  }
  const start = writer.pos;
  writer.tag(1, WireType.LEN);
  const at = writer.begin(1);
  writer.tag(1, WireType.LEN);
  writer.string(scope.name);
  if (scope.version) {
    writer.tag(2, WireType.LEN);
    writer.string(scope.version);
  }
  if (scope.attributes) writeAttributes(writer, scope.attributes, 3);
  if (scope.droppedAttributesCount) {
    writer.tag(4, WireType.VARINT);
    writer.varint(scope.droppedAttributesCount);
  }
  writer.end(at, 1);
  scopes.set(scope, writer.buf.slice(start, writer.pos));
}
