import assert from "node:assert/strict";
import { findRemovedKeys } from "./removed_keys.ts";

const document = {
  ingester: { max_block_duration: "5m" },
  storage_config: {
    tsdb_shipper: { shared_store: "filesystem" },
    filesystem: { directory: "/loki" },
  },
  query_range: { results_cache: { cache: { async_cache_write_back_buffer_size: 10 } } },
  list: [{ legacy: true }],
};

Deno.test("findRemovedKeys() reports a removed top-level block", () => {
  assert.deepEqual(findRemovedKeys(document, [{ path: "ingester", removedBy: "#1" }]), [
    { at: "ingester", removedBy: "#1" },
  ]);
});

Deno.test("findRemovedKeys() matches * against one level", () => {
  assert.deepEqual(
    findRemovedKeys(document, [{ path: "storage_config.*.shared_store", removedBy: "#2" }]),
    [{ at: "storage_config.tsdb_shipper.shared_store", removedBy: "#2" }],
  );
});

Deno.test("findRemovedKeys() matches ** at any depth, including inside lists", () => {
  assert.deepEqual(
    findRemovedKeys(document, [
      { path: "**.async_cache_write_back_buffer_size", removedBy: "#3" },
      { path: "**.legacy", removedBy: "#4" },
    ]),
    [
      { at: "query_range.results_cache.cache.async_cache_write_back_buffer_size", removedBy: "#3" },
      { at: "list.0.legacy", removedBy: "#4" },
    ],
  );
});

Deno.test("findRemovedKeys() finds nothing in a clean document", () => {
  assert.deepEqual(
    findRemovedKeys({ server: { http_listen_port: 3100 } }, [
      { path: "ingester", removedBy: "#1" },
      { path: "**.shared_store", removedBy: "#2" },
    ]),
    [],
  );
});
