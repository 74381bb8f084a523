/**
 * A local OTLP/HTTP receiver for tests: `Deno.serve` on loopback that
 * collects the spans Deno's built-in OpenTelemetry exports as `http/json`.
 *
 * @module
 */

/** One exported span, as OTLP/JSON writes it (IDs in hex). */
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** 4: PRODUCER, 5: CONSUMER. */
  kind: number;
  attributes: { key: string; value: Record<string, unknown> }[];
  /** The exporting service (`service.name`). */
  service: string;
}

/** A running receiver. */
export interface OtlpReceiver extends AsyncDisposable {
  /** `http://127.0.0.1:PORT`: give it as OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly endpoint: string;
  /** The spans received so far. */
  readonly spans: OtlpSpan[];
  /** The environment that points a Deno process at this receiver. */
  env(service: string): Record<string, string>;
}

interface ResourceSpans {
  resource?: { attributes?: { key: string; value: { stringValue?: string } }[] };
  scopeSpans?: { spans?: Omit<OtlpSpan, "service">[] }[];
}

/** Starts a receiver on a free loopback port. */
export function startOtlpReceiver(): OtlpReceiver {
  const spans: OtlpSpan[] = [];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    const body = await req.text();
    if (new URL(req.url).pathname === "/v1/traces") {
      const parsed = JSON.parse(body) as { resourceSpans?: ResourceSpans[] };
      for (const resource of parsed.resourceSpans ?? []) {
        const service = resource.resource?.attributes?.find((a) => a.key === "service.name")
          ?.value.stringValue ?? "";
        for (const scope of resource.scopeSpans ?? []) {
          for (const span of scope.spans ?? []) spans.push({ ...span, service });
        }
      }
    }
    return new Response("{}", { headers: { "content-type": "application/json" } });
  });
  const endpoint = `http://127.0.0.1:${server.addr.port}`;
  return {
    endpoint,
    spans,
    env: (service) => ({
      OTEL_DENO: "true",
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_SERVICE_NAME: service,
    }),
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}
