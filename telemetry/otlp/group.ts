/**
 * Groups a batch by resource, then by instrumentation scope, as
 * `@opentelemetry/otlp-transformer@0.301.0`'s protobuf serializers do: by
 * object identity, in order of first appearance.
 *
 * @module
 */
import type { Resource } from "@opentelemetry/resources";
import type { Scope } from "./resource_scope.ts";

/** What can be grouped: spans and log records. */
export interface Scoped {
  readonly resource: Resource;
  readonly instrumentationScope: Scope;
}

/** `items` by resource, then by scope, each in order of first appearance. */
export function groupByResourceAndScope<T extends Scoped>(
  items: readonly T[],
): Map<Resource, Map<Scope, readonly T[]>> {
  const first = items[0];
  if (first === undefined) return new Map();
  // The usual batch: one resource, one tracer or logger. Checking is cheaper than two
  // map lookups per item.
  const { resource, instrumentationScope } = first;
  let mixed = false;
  for (const item of items) {
    if (item.resource !== resource || item.instrumentationScope !== instrumentationScope) {
      mixed = true;
      break;
    }
  }
  if (!mixed) return new Map([[resource, new Map([[instrumentationScope, items]])]]);

  const byResource = new Map<Resource, Map<Scope, T[]>>();
  for (const item of items) {
    let byScope = byResource.get(item.resource);
    if (byScope === undefined) {
      byScope = new Map();
      byResource.set(item.resource, byScope);
    }
    const scope = item.instrumentationScope;
    const group = byScope.get(scope);
    if (group === undefined) byScope.set(scope, [item]);
    else group.push(item);
  }
  return byResource;
}
