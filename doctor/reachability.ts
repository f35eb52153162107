/**
 * Can this machine reach an endpoint at all: does its host name resolve,
 * does its port accept a TCP connection, does an HTTP server answer there?
 *
 * @module
 */
import { type DateSample, dateSample } from "./clock.ts";
import { diagnoseNetworkError, errorText, HINTS } from "./hints.ts";
import type { Check } from "./report.ts";

/** Looks a host name up, resolving with its addresses. */
export type Lookup = (hostname: string, signal: AbortSignal) => Promise<string[]>;

/** Options for {@linkcode checkReachability}. */
export interface ReachabilityOptions {
  /** Budget for each step. */
  readonly timeoutMs: number;
  /**
   * Replaces DNS (tests). By default `Deno.resolveDns` is asked for A and
   * AAAA records and, when it finds none, the system resolver gets a chance
   * through the TCP connect (`/etc/hosts`, mDNS `.local` names).
   */
  readonly lookup?: Lookup;
}

/** Result of {@linkcode checkReachability}. */
export interface Reachability {
  /** The DNS, TCP and HTTP checks, in that order. */
  readonly checks: Check[];
  /** `Date` header of the HTTP answer, for the clock check. */
  readonly date: DateSample | undefined;
}

/** Checks DNS, TCP and HTTP for `url`, naming the checks after `label` (e.g. `traces`). */
export async function checkReachability(
  label: string,
  url: string,
  options: ReachabilityOptions,
): Promise<Reachability> {
  const target = new URL(url);
  const host = target.hostname.replace(/^\[|\]$/g, "");
  const port = Number(target.port || (target.protocol === "https:" ? 443 : 80));
  const check = (step: string, fields: Omit<Check, "id" | "title">): Check => ({
    id: `${label}.${step}`,
    title: `${label}: ${step.toUpperCase()}`,
    ...fields,
  });

  let dns: Check;
  let connectTo = host;
  if (isIpLiteral(host) || host === "localhost") {
    dns = check("dns", { status: "pass", detail: `${host} needs no lookup` });
  } else {
    try {
      const addresses = await (options.lookup ?? resolveDns)(
        host,
        AbortSignal.timeout(options.timeoutMs),
      );
      if (addresses.length === 0) throw new Error("no A or AAAA record");
      dns = check("dns", { status: "pass", detail: `${host} is ${addresses.join(", ")}` });
      if (options.lookup) connectTo = addresses[0] ?? host;
    } catch (error) {
      dns = check("dns", {
        status: "fail",
        detail: `cannot resolve "${host}": ${errorText(error)}`,
        hint: HINTS.dns(host),
      });
      if (options.lookup) {
        const skipped = "skipped: the host name does not resolve";
        return {
          checks: [
            dns,
            check("tcp", { status: "skip", detail: skipped }),
            check("http", { status: "skip", detail: skipped }),
          ],
          date: undefined,
        };
      }
    }
  }

  const started = performance.now();
  try {
    await connect(connectTo, port, options.timeoutMs);
    if (dns.status === "fail") {
      dns = check("dns", {
        status: "pass",
        detail: `${host} is not in DNS, but the system resolver finds it (/etc/hosts or mDNS)`,
      });
    }
  } catch (error) {
    const diagnosis = diagnoseNetworkError(error, target);
    const tcp = check("tcp", { status: "fail", ...diagnosis });
    const skipped = "skipped: no TCP connection";
    return {
      checks: [dns, tcp, check("http", { status: "skip", detail: skipped })],
      date: undefined,
    };
  }
  const tcp = check("tcp", {
    status: "pass",
    detail: `connected to ${host}:${port} in ${Math.round(performance.now() - started)} ms`,
  });

  const startedMs = Date.now();
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs) });
    await response.body?.cancel();
    const expected = response.status === 405 ? " (POST only: as an OTLP receiver should)" : "";
    return {
      checks: [
        dns,
        tcp,
        check("http", {
          status: "pass",
          detail: `GET ${url} answered ${response.status}${expected}`,
        }),
      ],
      date: dateSample(`the ${label} endpoint`, response, startedMs),
    };
  } catch (error) {
    return {
      checks: [dns, tcp, check("http", { status: "fail", ...diagnoseNetworkError(error, target) })],
      date: undefined,
    };
  }
}

/** `Deno.resolveDns` for A and AAAA records together. */
async function resolveDns(hostname: string, signal: AbortSignal): Promise<string[]> {
  const results = await Promise.allSettled([
    Deno.resolveDns(hostname, "A", { signal }),
    Deno.resolveDns(hostname, "AAAA", { signal }),
  ]);
  const addresses = results.flatMap((result) => result.status === "fulfilled" ? result.value : []);
  if (addresses.length > 0) return addresses;
  const failure = results.find((result) => result.status === "rejected");
  throw failure?.reason ?? new Error("no A or AAAA record");
}

async function connect(hostname: string, port: number, timeoutMs: number): Promise<void> {
  const attempt = Deno.connect({ hostname, port });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Deno.errors.TimedOut(`no TCP answer in ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    const connection = await Promise.race([attempt, timeout]);
    connection.close();
  } catch (error) {
    // A connection that completes after the timeout is closed, not leaked.
    attempt.then((late) => late.close(), () => {});
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

function isIpLiteral(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(":");
}
