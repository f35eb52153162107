/**
 * The envelope OTLP puts around spans and log records alike. An
 * `ExportTraceServiceRequest` and an `ExportLogsServiceRequest` share one
 * shape, field numbers included (trace.proto and logs.proto):
 *
 *     request:  1 ResourceSpans / ResourceLogs (repeated)
 *     Resource…: 1 resource, 2 ScopeSpans / ScopeLogs (repeated), 3 schema_url
 *     Scope…:    1 scope, 2 span / log record (repeated), 3 schema_url
 *
 * so one builder writes it for both, and each encoder supplies the item.
 *
 * Items are encoded as they are added, each into the buffer of its resource
 * and scope, and the envelope is written around those buffers when the
 * request is taken. The batch processor (../encoding_processor.ts) adds a
 * span the moment it ends, so the span object dies young instead of waiting
 * for the batch, and finishing a request is a few copies instead of a pass
 * over 512 objects on the event loop.
 *
 * @module
 */
import type { Resource } from "@opentelemetry/resources";
import { type Scope, writeResource, writeScope } from "./resource_scope.ts";
import { ProtoWriter, WireType } from "./writer.ts";

/** What can be grouped: spans and log records. */
export interface Scoped {
  readonly resource: Resource;
  readonly instrumentationScope: Scope;
}

/** A finished export request and how many spans or log records it holds. */
export interface EncodedBatch {
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly count: number;
}

/**
 * An export request written into a buffer the builder lends: the bytes stay
 * as they are until `release`, and the buffer then serves a later request.
 */
export interface LentRequest {
  readonly bytes: Uint8Array<ArrayBuffer>;
  /** Gives the buffer back; the bytes must not be read afterwards. Only the first call counts. */
  release(): void;
}

/** Writes one item as field 2 of its scope message. */
export type ItemWriter<T> = (writer: ProtoWriter, item: T) => void;

/** Items of one scope of one resource, encoded back to back. */
interface Group {
  readonly resource: Resource;
  readonly scope: Scope;
  readonly items: ProtoWriter;
}

/** Item buffers start small: most batches have one resource and one scope. */
const GROUP_BUFFER_BYTES = 16 * 1024;

/**
 * Request buffers kept for reuse once released: as many full batches as the
 * default queue holds (2,048 / 512). More lent at once are garbage after.
 */
const KEPT_REQUEST_BUFFERS = 4;

/**
 * Builds export requests item by item. Groups by resource, then by
 * instrumentation scope, as `@opentelemetry/otlp-transformer@0.301.0`'s
 * protobuf serializers do: by object identity, in order of first appearance,
 * so the bytes are the transformer's.
 */
export class RequestBuilder<T extends Scoped> {
  readonly #writeItem: ItemWriter<T>;
  /** The buffer {@linkcode take} copies out of; made at its first use. */
  #out: ProtoWriter | undefined;
  /** Groups in order of first appearance, by resource then scope. */
  #groups = new Map<Resource, Map<Scope, Group>>();
  /** The group of the previous item: the usual next one. */
  #last: Group | undefined;
  /** Buffers of taken requests, reused by the next groups. */
  readonly #spare: ProtoWriter[] = [];
  /** Request buffers released after a {@linkcode lend}, for the next ones. */
  readonly #returned: ProtoWriter[] = [];
  #count = 0;

  constructor(writeItem: ItemWriter<T>) {
    this.#writeItem = writeItem;
  }

  /** Items added since the last {@linkcode take}. */
  get count(): number {
    return this.#count;
  }

  /**
   * Encodes `item` into the request being built. An item whose encoding
   * throws leaves no bytes behind, and the error propagates.
   */
  add(item: T): void {
    const last = this.#last;
    const group = last !== undefined && last.resource === item.resource &&
        last.scope === item.instrumentationScope
      ? last
      : this.#groupOf(item.resource, item.instrumentationScope);
    this.#last = group;
    const writer = group.items;
    const start = writer.pos;
    try {
      this.#writeItem(writer, item);
    } catch (error: unknown) {
      writer.pos = start;
      if (start === 0) this.#forget(group);
      throw error;
    }
    this.#count++;
  }

  /**
   * The export request holding every item added since the last call, and a
   * fresh start. The bytes are the caller's: later calls do not touch them.
   */
  take(): Uint8Array<ArrayBuffer> {
    const out = this.#out ??= new ProtoWriter();
    out.reset();
    this.#writeRequest(out);
    return out.finish();
  }

  /**
   * The same request as {@linkcode take}, written into a buffer the builder
   * lends instead of copied out of one. The encoding processor releases it
   * when the export is answered: at saturation a copy per batch (about
   * 150 KB, 20 MB/s) outlived young-generation collections while its export
   * was in flight, and tens of MB of such garbage waited for a full one.
   */
  lend(): LentRequest {
    // Small at first: a quiet service's batches are small, and a buffer grown
    // by a busy one is kept for the next request.
    const out = this.#returned.pop() ?? new ProtoWriter(GROUP_BUFFER_BYTES);
    this.#writeRequest(out);
    let lent = true;
    return {
      bytes: out.buf.subarray(0, out.pos),
      release: (): void => {
        if (!lent) return;
        lent = false;
        out.reset();
        if (this.#returned.length < KEPT_REQUEST_BUFFERS) this.#returned.push(out);
      },
    };
  }

  /** Writes the envelope around every item added into `out`, and starts afresh. */
  #writeRequest(out: ProtoWriter): void {
    for (const byScope of this.#groups.values()) {
      let resource: Resource | undefined;
      let resourceAt = 0;
      for (const group of byScope.values()) {
        this.#spare.push(group.items);
        if (resource === undefined) {
          resource = group.resource;
          out.tag(1, WireType.LEN); // ExportXServiceRequest.resource_x
          resourceAt = out.begin(3);
          writeResource(out, resource);
        }
        const scope = group.scope;
        out.tag(2, WireType.LEN); // ResourceX.scope_x
        const scopeAt = out.begin(3);
        writeScope(out, scope);
        out.raw(group.items.buf.subarray(0, group.items.pos));
        if (scope.schemaUrl) {
          out.tag(3, WireType.LEN);
          out.string(scope.schemaUrl);
        }
        out.end(scopeAt, 3);
        group.items.reset();
      }
      if (resource === undefined) continue;
      if (resource.schemaUrl) {
        out.tag(3, WireType.LEN);
        out.string(resource.schemaUrl);
      }
      out.end(resourceAt, 3);
    }
    this.#groups = new Map();
    this.#last = undefined;
    this.#count = 0;
  }

  /**
   * Removes a group whose first item failed to encode, so that the group
   * takes its place at its first item that does encode, as the transformer
   * would order it without the failed item.
   */
  #forget(group: Group): void {
    const byScope = this.#groups.get(group.resource);
    byScope?.delete(group.scope);
    if (byScope?.size === 0) this.#groups.delete(group.resource);
    this.#spare.push(group.items);
    this.#last = undefined;
  }

  #groupOf(resource: Resource, scope: Scope): Group {
    let byScope = this.#groups.get(resource);
    if (byScope === undefined) {
      byScope = new Map();
      this.#groups.set(resource, byScope);
    }
    let group = byScope.get(scope);
    if (group === undefined) {
      const items = this.#spare.pop() ?? new ProtoWriter(GROUP_BUFFER_BYTES);
      group = { resource, scope, items };
      byScope.set(scope, group);
    }
    return group;
  }
}

/**
 * Encodes `items` as one export request with `builder`, which must hold no
 * items of its own.
 */
export function encodeExportRequest<T extends Scoped>(
  builder: RequestBuilder<T>,
  items: readonly T[],
): Uint8Array<ArrayBuffer> {
  try {
    for (const item of items) builder.add(item);
  } catch (error: unknown) {
    builder.take(); // Nothing of a failed request stays behind for the next one.
    throw error;
  }
  return builder.take();
}
