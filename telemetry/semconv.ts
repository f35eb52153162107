/**
 * Semantic-convention names this service uses that are not yet stable, plus
 * the service's own `app.*` names.
 *
 * Stable names are imported from `@opentelemetry/semantic-conventions`
 * directly. Incubating ones are copied here, as the OpenTelemetry JS
 * guidelines recommend, so that a minor release of the package that moves or
 * renames them cannot change what this service emits without a diff here.
 *
 * @module
 */

// --- incubating semantic conventions (copied from semantic-conventions 1.45) ---

/** `http.server.active_requests`: in-flight server requests (UpDownCounter). */
export const METRIC_HTTP_SERVER_ACTIVE_REQUESTS = "http.server.active_requests";
/** `process.memory.usage`: resident set size, in bytes. */
export const METRIC_PROCESS_MEMORY_USAGE = "process.memory.usage";
/** `process.cpu.time`: CPU seconds consumed by the process, by `cpu.mode`. */
export const METRIC_PROCESS_CPU_TIME = "process.cpu.time";
/** `v8js.memory.heap.used`: bytes of V8 heap in use. */
export const METRIC_V8JS_MEMORY_HEAP_USED = "v8js.memory.heap.used";
/** `nodejs.eventloop.delay.p99`: 99th percentile of event-loop delay, seconds. */
export const METRIC_NODEJS_EVENTLOOP_DELAY_P99 = "nodejs.eventloop.delay.p99";

/** `cpu.mode`: `user` or `system` on `process.cpu.time`. */
export const ATTR_CPU_MODE = "cpu.mode";
/** `host.name` resource attribute. */
export const ATTR_HOST_NAME = "host.name";
/** `host.arch` resource attribute (`amd64`, `arm64`, ...). */
export const ATTR_HOST_ARCH = "host.arch";
/** `os.type` resource attribute (`linux`, `darwin`, ...). */
export const ATTR_OS_TYPE = "os.type";
/** `process.pid` resource attribute. */
export const ATTR_PROCESS_PID = "process.pid";
/** `process.runtime.name` resource attribute (`deno`). */
export const ATTR_PROCESS_RUNTIME_NAME = "process.runtime.name";
/** `process.runtime.version` resource attribute. */
export const ATTR_PROCESS_RUNTIME_VERSION = "process.runtime.version";
/** `service.instance.id` resource attribute: unique per process. */
export const ATTR_SERVICE_INSTANCE_ID = "service.instance.id";
/** `deployment.environment.name` resource attribute. */
export const ATTR_DEPLOYMENT_ENVIRONMENT_NAME = "deployment.environment.name";

// --- this service's own names ---

/** `app.greetings`: greetings served (Counter). Never labelled by the name itself. */
export const METRIC_APP_GREETINGS = "app.greetings";
/** `app.greeting.kind`: `default` (no name given) or `named`. Bounded to two values. */
export const ATTR_APP_GREETING_KIND = "app.greeting.kind";

// --- the SDK's own metrics (otel.sdk.*), as the batch processors of OpenTelemetry JS 3.1 name them ---

/** `otel.component.type`: which kind of SDK component reports. */
export const ATTR_OTEL_COMPONENT_TYPE = "otel.component.type";
/** `otel.component.name`: which instance of that kind, `<type>/<n>`. */
export const ATTR_OTEL_COMPONENT_NAME = "otel.component.name";
/** `otel.component.type` of a batching span processor. */
export const OTEL_COMPONENT_TYPE_VALUE_BATCHING_SPAN_PROCESSOR = "batching_span_processor";
/** `otel.component.type` of a batching log record processor. */
export const OTEL_COMPONENT_TYPE_VALUE_BATCHING_LOG_PROCESSOR = "batching_log_processor";
/** `otel.sdk.processor.span.processed`: spans whose processing ended, `error.type` if it failed. */
export const METRIC_OTEL_SDK_PROCESSOR_SPAN_PROCESSED = "otel.sdk.processor.span.processed";
/** `otel.sdk.processor.span.queue.capacity`: how many spans the queue can hold. */
export const METRIC_OTEL_SDK_PROCESSOR_SPAN_QUEUE_CAPACITY =
  "otel.sdk.processor.span.queue.capacity";
/** `otel.sdk.processor.span.queue.size`: how many spans the queue holds. */
export const METRIC_OTEL_SDK_PROCESSOR_SPAN_QUEUE_SIZE = "otel.sdk.processor.span.queue.size";
/** `otel.sdk.processor.log.processed`: log records whose processing ended. */
export const METRIC_OTEL_SDK_PROCESSOR_LOG_PROCESSED = "otel.sdk.processor.log.processed";
/** `otel.sdk.processor.log.queue.capacity`: how many log records the queue can hold. */
export const METRIC_OTEL_SDK_PROCESSOR_LOG_QUEUE_CAPACITY = "otel.sdk.processor.log.queue.capacity";
/** `otel.sdk.processor.log.queue.size`: how many log records the queue holds. */
export const METRIC_OTEL_SDK_PROCESSOR_LOG_QUEUE_SIZE = "otel.sdk.processor.log.queue.size";
