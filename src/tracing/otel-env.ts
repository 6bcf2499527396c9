/**
 * The standard OTEL_* variables' formats, as the OpenTelemetry specification writes them
 * (sdk-environment-variables, protocol/exporter). Pure: src/config.ts reads the variables and
 * hands their text here; an unreadable value fails the start-up naming the variable.
 */

/**
 * `key1=value1,key2=value2` with `,` and `=` percent-encoded inside keys and values
 * (OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_HEADERS). Per the specification a value that
 * cannot be decoded invalidates the whole variable: here that is a start-up error, not a
 * silently smaller set.
 */
export function parseKeyValueList(raw: string): { pairs: Record<string, string> } | { error: string } {
  const pairs: Record<string, string> = {};
  for (const item of raw.split(",")) {
    if (item.trim() === "") continue;
    const parts = item.split("=");
    if (parts.length !== 2) return { error: `"${item.trim()}" is not key=value (percent-encode any "," or "=" inside keys and values)` };
    const [rawKey, rawValue] = parts.map((p) => p.trim()) as [string, string];
    if (rawKey === "") return { error: `"${item.trim()}" has an empty key` };
    try {
      pairs[decodeURIComponent(rawKey)] = decodeURIComponent(rawValue);
    } catch {
      return { error: `"${item.trim()}" is not valid percent-encoding` };
    }
  }
  return { pairs };
}

/**
 * Where spans are POSTed. The signal's own variable is the full URL, used as given; the
 * general one is a base to which `v1/traces` is appended (so `http://collector:4318` and
 * `http://collector:4318/` both mean `http://collector:4318/v1/traces`). Null: neither is set,
 * and tracing stays off.
 */
export function tracesUrl(tracesEndpoint: string | undefined, endpoint: string | undefined): string | null {
  if (tracesEndpoint) return tracesEndpoint;
  if (!endpoint) return null;
  return `${endpoint.endsWith("/") ? endpoint : `${endpoint}/`}v1/traces`;
}

/** The samplers of OTEL_TRACES_SAMPLER that need no remote service (jaeger_remote, xray are not built in). */
export const SAMPLER_NAMES = ["always_on", "always_off", "traceidratio", "parentbased_always_on", "parentbased_always_off", "parentbased_traceidratio"] as const;
export type SamplerName = (typeof SAMPLER_NAMES)[number];

export interface SamplerSpec {
  name: SamplerName;
  /** The ratio of the traceidratio samplers (OTEL_TRACES_SAMPLER_ARG; 1 when unset). */
  ratio: number;
}

/** OTEL_TRACES_SAMPLER_ARG for the ratio samplers: a number in [0, 1]; ignored by the others, as the specification says. */
export function samplerSpec(name: SamplerName, arg: string | undefined): SamplerSpec | { error: string } {
  if (!name.endsWith("traceidratio") || arg === undefined) return { name, ratio: 1 };
  const ratio = Number(arg);
  if (arg.trim() === "" || !Number.isFinite(ratio) || ratio < 0 || ratio > 1) return { error: `"${arg}" is not a ratio between 0 and 1` };
  return { name, ratio };
}
