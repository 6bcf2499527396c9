import { parseKeyValueList, samplerSpec, tracesUrl } from "../../../src/tracing/otel-env";

describe("OTEL_* value formats", () => {
  it("reads key=value lists with percent-encoded keys and values, skipping empty items", () => {
    expect(parseKeyValueList("deployment.environment=prod, team=hooks%20core,,k%3Dx=a%2Cb")).toEqual({
      pairs: { "deployment.environment": "prod", team: "hooks core", "k=x": "a,b" },
    });
    expect(parseKeyValueList("")).toEqual({ pairs: {} });
  });

  it("refuses a list item that is not one key=value, or not decodable, rather than dropping it", () => {
    expect(parseKeyValueList("a=1,b")).toEqual({ error: expect.stringContaining('"b" is not key=value') });
    expect(parseKeyValueList("a=1=2")).toEqual({ error: expect.stringContaining("not key=value") });
    expect(parseKeyValueList("=1")).toEqual({ error: expect.stringContaining("empty key") });
    expect(parseKeyValueList("a=%E0%A4%A")).toEqual({ error: expect.stringContaining("percent-encoding") });
  });

  it("uses the traces endpoint as given and appends v1/traces to the general one", () => {
    expect(tracesUrl("http://c:4318/custom/path", "http://other:4318")).toBe("http://c:4318/custom/path");
    expect(tracesUrl(undefined, "http://c:4318")).toBe("http://c:4318/v1/traces");
    expect(tracesUrl(undefined, "http://c:4318/")).toBe("http://c:4318/v1/traces");
    expect(tracesUrl(undefined, "https://gw.example.com/otlp")).toBe("https://gw.example.com/otlp/v1/traces");
    expect(tracesUrl(undefined, undefined)).toBeNull();
  });

  it("takes a ratio in [0, 1] for the ratio samplers and ignores the argument of the others", () => {
    expect(samplerSpec("parentbased_traceidratio", "0.25")).toEqual({ name: "parentbased_traceidratio", ratio: 0.25 });
    expect(samplerSpec("traceidratio", undefined)).toEqual({ name: "traceidratio", ratio: 1 });
    expect(samplerSpec("always_on", "nonsense")).toEqual({ name: "always_on", ratio: 1 });
    for (const bad of ["1.5", "-0.1", "half", " "]) expect(samplerSpec("traceidratio", bad)).toEqual({ error: expect.stringContaining("between 0 and 1") });
  });
});
