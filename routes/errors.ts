/**
 * The one place that turns a thrown error into a response.
 *
 * @module
 */
import { HttpError } from "./http_error.ts";
import { problemResponse } from "./problem.ts";

/**
 * Maps an error to a problem response. An {@linkcode HttpError} keeps its
 * status and detail; anything else is a 500 whose body says nothing about the
 * cause (the cause goes to the span and the error log, not to the client).
 */
export function errorResponse(error: unknown, path: string): Response {
  if (error instanceof HttpError) {
    return problemResponse(error.status, error.detail, { instance: path, headers: error.headers });
  }
  return problemResponse(
    500,
    "The server failed to handle this request; the trace id in the traceresponse header identifies it in the logs",
    { instance: path },
  );
}
