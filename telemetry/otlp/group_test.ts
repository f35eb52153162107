import assert from "node:assert/strict";
import { type Resource, resourceFromAttributes } from "@opentelemetry/resources";
import { groupByResourceAndScope } from "./group.ts";
import type { Scope } from "./resource_scope.ts";

interface Item {
  readonly id: number;
  readonly resource: Resource;
  readonly instrumentationScope: Scope;
}

const [r1, r2] = [resourceFromAttributes({ n: 1 }), resourceFromAttributes({ n: 2 })];
const [s1, s2] = [{ name: "s" }, { name: "s" }]; // equal, but not the same object

function ids(groups: Map<Resource, Map<Scope, readonly Item[]>>): number[][][] {
  return [...groups.values()].map((byScope) =>
    [...byScope.values()].map((items) => items.map((item) => item.id))
  );
}

Deno.test("groupByResourceAndScope() groups by object identity in order of first appearance", () => {
  const items: Item[] = [
    { id: 0, resource: r2, instrumentationScope: s1 },
    { id: 1, resource: r1, instrumentationScope: s2 },
    { id: 2, resource: r2, instrumentationScope: s2 },
    { id: 3, resource: r1, instrumentationScope: s1 },
    { id: 4, resource: r2, instrumentationScope: s1 },
  ];
  const groups = groupByResourceAndScope(items);
  assert.deepEqual([...groups.keys()], [r2, r1]);
  assert.deepEqual(ids(groups), [[[0, 4], [2]], [[1], [3]]]);
});

Deno.test("groupByResourceAndScope() keeps a batch of one resource and scope as it is", () => {
  const items: Item[] = [0, 1, 2].map((id) => ({ id, resource: r1, instrumentationScope: s1 }));
  const groups = groupByResourceAndScope(items);
  assert.equal(groups.get(r1)?.get(s1), items);
  assert.deepEqual(ids(groups), [[[0, 1, 2]]]);
});

Deno.test("groupByResourceAndScope() of nothing is empty", () => {
  assert.equal(groupByResourceAndScope([]).size, 0);
});
