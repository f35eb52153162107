/**
 * The envelope OTLP puts around spans and log records alike. An
 * `ExportTraceServiceRequest` and an `ExportLogsServiceRequest` share one
 * shape, field numbers included (trace.proto and logs.proto):
 *
 *     request:  1 ResourceSpans / ResourceLogs (repeated)
 *     Resource…: 1 resource, 2 ScopeSpans / ScopeLogs (repeated), 3 schema_url
 *     Scope…:    1 scope, 2 span / log record (repeated), 3 schema_url
 *
 * so one function writes it for both, and each encoder supplies the item.
 *
 * @module
 */
import { groupByResourceAndScope, type Scoped } from "./group.ts";
import { writeResource, writeScope } from "./resource_scope.ts";
import { type ProtoWriter, WireType } from "./writer.ts";

/**
 * Writes `items` into `writer` as an export request, grouped by resource and
 * scope as the transformer groups them, with `writeItem` writing each item
 * as field 2 of its scope message, and returns a copy of the bytes.
 */
export function encodeExportRequest<T extends Scoped>(
  writer: ProtoWriter,
  items: readonly T[],
  writeItem: (writer: ProtoWriter, item: T) => void,
): Uint8Array<ArrayBuffer> {
  writer.reset();
  for (const [resource, byScope] of groupByResourceAndScope(items)) {
    writer.tag(1, WireType.LEN); // ExportXServiceRequest.resource_x
    const resourceAt = writer.begin(3);
    writeResource(writer, resource);
    for (const [scope, scoped] of byScope) {
      writer.tag(2, WireType.LEN); // ResourceX.scope_x
      const scopeAt = writer.begin(3);
      writeScope(writer, scope);
      for (const item of scoped) writeItem(writer, item);
      if (scope.schemaUrl) {
        writer.tag(3, WireType.LEN);
        writer.string(scope.schemaUrl);
      }
      writer.end(scopeAt, 3);
    }
    if (resource.schemaUrl) {
      writer.tag(3, WireType.LEN);
      writer.string(resource.schemaUrl);
    }
    writer.end(resourceAt, 3);
  }
  return writer.finish();
}
