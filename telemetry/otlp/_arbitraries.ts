/**
 * fast-check generators of everything the OTLP encoders may be handed:
 * batches of hand-built `ReadableSpan`s and `ReadableLogRecord`s spanning
 * several resources and scopes, with attribute values of every type
 * (`AnyValue` is `unknown` in the API, so exotic ones too), strings from
 * empty through non-ASCII, surrogate pairs and lone surrogates to long
 * enough to grow the encoder's buffer, and ids, times and counts both in
 * and out of their usual ranges. For the byte-identity tests against
 * `@opentelemetry/otlp-transformer`.
 *
 * @module
 */
import {
  type Attributes,
  type HrTime,
  type Link,
  SeverityNumber,
  type SpanContext,
  SpanKind,
  type SpanStatus,
  SpanStatusCode,
  type TraceState as ApiTraceState,
} from "@opentelemetry/api";
import { TraceState } from "@opentelemetry/core";
import type { Resource } from "@opentelemetry/resources";
import type { ReadableLogRecord } from "@opentelemetry/sdk-logs";
import type { ReadableSpan, TimedEvent } from "@opentelemetry/sdk-trace";
import fc from "fast-check";
import type { Scope } from "./resource_scope.ts";

/** Keys and values that recur, so that remembered `KeyValue`s meet other values. */
const COMMON_STRINGS = [
  "",
  "http.request.method",
  "url.path",
  "service.name",
  "GET",
  "k",
  "10", // integer-like keys come first in for...in order
  "2",
  "__proto__",
  "ключ",
  "😀",
  "\uD800", // lone high surrogate
  "a\uDFFFb", // lone low surrogate
  "\uDE00\uD83D", // a pair in the wrong order
  "é".repeat(50), // 50 code units, 100 bytes
  "x".repeat(127),
  "x".repeat(128),
];

/**
 * Any code point, by UTF-8 length, surrogates (lone, or paired by chance)
 * included. Not `fc.string({ unit: "binary" })`: building that takes
 * seconds.
 */
const codePoint: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: 0, max: 0x7f }),
  fc.integer({ min: 0x80, max: 0x7ff }),
  fc.integer({ min: 0x800, max: 0xffff }),
  fc.integer({ min: 0x1_0000, max: 0x10_ffff }),
);

/** Strings of any code points. */
export const anyText = (maxLength: number): fc.Arbitrary<string> =>
  fc.array(codePoint, { maxLength }).map((points) => String.fromCodePoint(...points));

/** Text of every kind; long text is rare, as it is slow to generate and encode. */
export const text: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...COMMON_STRINGS), weight: 800 },
  { arbitrary: fc.string({ maxLength: 20 }), weight: 800 },
  { arbitrary: fc.string({ unit: "grapheme", maxLength: 12 }), weight: 400 },
  { arbitrary: anyText(12), weight: 400 },
  { arbitrary: fc.string({ minLength: 100, maxLength: 400 }), weight: 200 },
  {
    // Past 16 KiB a length needs three bytes; past 64 KiB the buffer grows.
    arbitrary: fc.tuple(fc.integer({ min: 16_000, max: 70_000 }), fc.constantFrom("a", "ü", "€"))
      .map(([length, unit]) => unit.repeat(length)),
    weight: 1,
  },
);

/** Numbers where the integer/double choice and varint edges lie. */
const number: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: -300, max: 300 }),
  fc.integer(),
  fc.double(),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(Number),
  fc.constantFrom(
    0,
    -0,
    0.5,
    -1,
    127,
    128,
    2 ** 31,
    2 ** 32 - 1,
    2 ** 32,
    2 ** 53,
    -(2 ** 53),
    2 ** 63, // not below 2^63: a double
    -(2 ** 63), // the smallest int64
    2 ** 64,
    Number.MAX_VALUE,
    Number.NaN,
    Infinity,
    -Infinity,
  ),
);

/** Values outside the API's documented AnyValue, which it nevertheless accepts (`unknown`). */
const exotic: fc.Arbitrary<unknown> = fc.constantFrom<unknown>(
  undefined,
  null,
  10n,
  Symbol("s"),
  () => 1,
  new Date(0),
  new Map([["a", 1]]),
  new Int8Array([-1, 2]),
  Object.assign(Object.create({ inherited: 1 }), { own: "yes" }),
);

const scalar: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: text, weight: 5 },
  { arbitrary: number, weight: 4 },
  { arbitrary: fc.boolean(), weight: 2 },
  { arbitrary: fc.uint8Array({ maxLength: 20 }), weight: 1 },
  { arbitrary: exotic, weight: 1 },
);

/** Any attribute or body value: scalars, arrays (mixed, empty, nested) and maps. */
export const anyValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { arbitrary: scalar, weight: 6 },
    { arbitrary: fc.array(tie("value"), { maxLength: 4 }), weight: 1 },
    {
      arbitrary: fc.array(fc.tuple(text, tie("value")), { maxLength: 4 })
        .map((entries) => Object.fromEntries(entries)),
      weight: 1,
    },
  ),
})).value;

/** An attribute set: own enumerable keys, some repeating across items. */
export const attributes: fc.Arbitrary<Attributes> = fc
  .array(fc.tuple(text, anyValue), { maxLength: 6 })
  .map((entries) => Object.fromEntries(entries));

/** An HrTime, usually as the SDK makes them, sometimes not. */
const hrTime: fc.Arbitrary<HrTime> = fc.oneof(
  {
    arbitrary: fc.tuple(
      fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      fc.integer({ min: 0, max: 999_999_999 }),
    ),
    weight: 8,
  },
  { arbitrary: fc.tuple(number, number), weight: 1 },
);

/** A count: small as a rule, sometimes huge, negative or fractional. */
const count: fc.Arbitrary<number> = fc.oneof(
  { arbitrary: fc.nat({ max: 3 }), weight: 6 },
  { arbitrary: number, weight: 1 },
);

/** `length` lowercase hex digits, drawn as one number (a draw per digit is slow). */
const hexId = (length: number): fc.Arbitrary<string> =>
  fc.bigInt({ min: 0n, max: 16n ** BigInt(length) - 1n })
    .map((value) => value.toString(16).padStart(length, "0"));

/** A trace or span id: valid hex as a rule; also empty, odd-length, uppercase or not hex. */
const id = (length: number): fc.Arbitrary<string> =>
  fc.oneof(
    { arbitrary: hexId(length), weight: 10 },
    { arbitrary: hexId(length).map((hex) => hex.toUpperCase()), weight: 1 },
    { arbitrary: text, weight: 1 },
  );

/** A TraceState that serializes to `serialized`, as any implementation may. */
function fixedTraceState(serialized: string): ApiTraceState {
  const state: ApiTraceState = {
    set: () => state,
    unset: () => state,
    get: () => undefined,
    serialize: () => serialized,
  };
  return state;
}

const traceState: fc.Arbitrary<ApiTraceState> = fc.oneof(
  fc.constantFrom("rojo=00f067aa0ba902b7", "a=1,b=2", "").map((value) => new TraceState(value)),
  text.map(fixedTraceState),
);

const spanContext: fc.Arbitrary<SpanContext> = fc.record(
  {
    traceId: id(32),
    spanId: id(16),
    traceFlags: fc.oneof(fc.constantFrom(0, 1), fc.nat({ max: 0xffff })),
    isRemote: fc.boolean(),
    traceState,
  },
  { requiredKeys: ["traceId", "spanId", "traceFlags"] },
);

/** An attribute set of the batch's pool, by index, or none. */
const attributeSet = fc.option(fc.nat(), { nil: undefined });

const eventFields = fc.record({
  time: hrTime,
  name: text,
  attributes: attributeSet,
  droppedAttributesCount: fc.option(count, { nil: undefined }),
});

const linkFields = fc.record({
  context: spanContext,
  attributes: attributeSet,
  droppedAttributesCount: fc.option(count, { nil: undefined }),
});

const status: fc.Arbitrary<SpanStatus> = fc.record(
  {
    code: fc.constantFrom(SpanStatusCode.UNSET, SpanStatusCode.OK, SpanStatusCode.ERROR),
    message: text,
  },
  { requiredKeys: ["code"] },
);

/** A resource object as any `Resource` implementation may present it. */
function handBuiltResource(
  attributes: Attributes,
  schemaUrl: string | undefined,
): Resource {
  const resource: Resource = {
    attributes,
    ...(schemaUrl === undefined ? {} : { schemaUrl }),
    merge: () => resource,
    getRawAttributes: () => Object.entries(attributes),
  };
  return resource;
}

const resource: fc.Arbitrary<Resource> = fc
  .tuple(attributes, fc.option(text, { nil: undefined }))
  .map(([attrs, schemaUrl]) => handBuiltResource(attrs, schemaUrl));

const scope: fc.Arbitrary<Scope> = fc.record(
  { name: text, version: text, schemaUrl: text, attributes, droppedAttributesCount: count },
  { requiredKeys: ["name"] },
);

/**
 * What the items of one batch pick from by index: resources, scopes and
 * attribute sets. Sharing them keeps generation fast; across batches there
 * is variety enough.
 */
const pools = fc.record({
  resources: fc.array(resource, { minLength: 1, maxLength: 3 }),
  scopes: fc.array(scope, { minLength: 1, maxLength: 3 }),
  attributeSets: fc.array(attributes, { minLength: 1, maxLength: 5 }),
});

type Pools = {
  readonly resources: readonly Resource[];
  readonly scopes: readonly Scope[];
  readonly attributeSets: readonly Attributes[];
};

function pick<T>(items: readonly T[], index: number): T {
  const item = items[index % items.length];
  if (item === undefined) throw new Error("Cannot pick from an empty list");
  return item;
}

/** `attributes` and `droppedAttributesCount` as present or absent, for an event or a link. */
function optionalAttributes(
  pools: Pools,
  attributes: number | undefined,
  droppedAttributesCount: number | undefined,
): { attributes?: Attributes; droppedAttributesCount?: number } {
  return {
    ...(attributes === undefined ? {} : { attributes: pick(pools.attributeSets, attributes) }),
    ...(droppedAttributesCount === undefined ? {} : { droppedAttributesCount }),
  };
}

const spanFields = fc.record({
  name: text,
  kind: fc.constantFrom(
    SpanKind.INTERNAL,
    SpanKind.SERVER,
    SpanKind.CLIENT,
    SpanKind.PRODUCER,
    SpanKind.CONSUMER,
  ),
  context: spanContext,
  parent: fc.option(spanContext, { nil: undefined }),
  startTime: hrTime,
  endTime: hrTime,
  status,
  attributes: fc.nat(),
  links: fc.array(linkFields, { maxLength: 2 }),
  events: fc.array(eventFields, { maxLength: 3 }),
  droppedAttributesCount: count,
  droppedEventsCount: count,
  droppedLinksCount: count,
  owner: fc.tuple(fc.nat(), fc.nat()),
});

/** A batch of spans over up to three resources and three scopes; possibly empty. */
export const spanBatch: fc.Arbitrary<ReadableSpan[]> = fc
  .tuple(pools, fc.array(spanFields, { maxLength: 6 }))
  .map(([pools, fields]) =>
    fields.map((f): ReadableSpan => ({
      name: f.name,
      kind: f.kind,
      spanContext: () => f.context,
      ...(f.parent === undefined ? {} : { parentSpanContext: f.parent }),
      startTime: f.startTime,
      endTime: f.endTime,
      status: f.status,
      attributes: pick(pools.attributeSets, f.attributes),
      links: f.links.map((l): Link => ({
        context: l.context,
        ...optionalAttributes(pools, l.attributes, l.droppedAttributesCount),
      })),
      events: f.events.map((e): TimedEvent => ({
        time: e.time,
        name: e.name,
        ...optionalAttributes(pools, e.attributes, e.droppedAttributesCount),
      })),
      duration: [0, 0],
      ended: true,
      resource: pick(pools.resources, f.owner[0]),
      instrumentationScope: pick(pools.scopes, f.owner[1]),
      droppedAttributesCount: f.droppedAttributesCount,
      droppedEventsCount: f.droppedEventsCount,
      droppedLinksCount: f.droppedLinksCount,
    }))
  );

const logFields = fc.record(
  {
    hrTime,
    hrTimeObserved: hrTime,
    spanContext: fc.record({
      traceId: fc.oneof(id(32), fc.constant("")),
      spanId: fc.oneof(id(16), fc.constant("")),
      traceFlags: fc.oneof(fc.constantFrom(0, 1), fc.nat({ max: 0xffff })),
    }),
    severityText: text,
    severityNumber: fc.oneof(
      fc.constantFrom(SeverityNumber.UNSPECIFIED, SeverityNumber.INFO, SeverityNumber.FATAL4),
      fc.integer({ min: 0, max: 24 }),
    ),
    body: anyValue,
    eventName: text,
    attributes: fc.nat(),
    droppedAttributesCount: count,
    owner: fc.tuple(fc.nat(), fc.nat()),
  },
  {
    requiredKeys: ["hrTime", "hrTimeObserved", "attributes", "droppedAttributesCount", "owner"],
  },
);

/** A batch of log records over up to three resources and three scopes; possibly empty. */
export const logBatch: fc.Arbitrary<ReadableLogRecord[]> = fc
  .tuple(pools, fc.array(logFields, { maxLength: 6 }))
  .map(([pools, fields]) =>
    fields.map(({ owner, attributes, ...f }): ReadableLogRecord => ({
      ...f,
      attributes: pick(pools.attributeSets, attributes),
      resource: pick(pools.resources, owner[0]),
      instrumentationScope: pick(pools.scopes, owner[1]),
    }))
  );
