import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse } from "yaml";
import { buildContainer, type Container } from "../../src/container";
import { startTestApp, eventually, type TestApp } from "../support/app";
import { testConfig } from "../support/env";
import { aWebhook } from "../support/factories";
import { exportedSeriesNames, metricNamesIn } from "../support/promql-names";

/**
 * The deploy files (deploy/grafana, deploy/prometheus): promtool accepts the rules and the
 * example config, the rules' unit tests pass, every panel is importable, and every metric name
 * they read is one that a real API process and a real worker process export.
 *
 * promtool comes from Debian's prometheus package, which `npm test` installs when root
 * (scripts/lib/deps.sh, hr_ensure_promtool). Missing as root with apt, the promtool tests fail:
 * `npm test` would have installed it. Missing otherwise (not root), they are skipped, saying so.
 */

const ROOT = join(__dirname, "..", "..");
const PROM = join(ROOT, "deploy", "prometheus");
const run = promisify(execFile);

function findPromtool(): string | null {
  for (const dir of (process.env.PATH ?? "").split(":").concat("/usr/bin")) {
    const candidate = join(dir, "promtool");
    if (dir && existsSync(candidate)) return candidate;
  }
  return null;
}
const promtool = findPromtool();
const mustHavePromtool = process.getuid?.() === 0 && existsSync("/usr/bin/apt-get");
if (!promtool && !mustHavePromtool) {
  console.warn("promtool is not installed and this is not root with apt: skipping the promtool checks of deploy/prometheus (apt-get install --no-install-recommends prometheus)");
}
const withPromtool = promtool ? it : mustHavePromtool ? it : it.skip;

async function promtoolRun(...args: string[]): Promise<string> {
  if (!promtool) throw new Error("promtool is missing although this is root with apt: `npm test` installs it (scripts/lib/deps.sh, hr_ensure_promtool)");
  try {
    const { stdout, stderr } = await run(promtool, args, { cwd: PROM });
    return stdout + stderr;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`promtool ${args.join(" ")} failed:\n${e.stdout ?? ""}${e.stderr ?? e.message}`);
  }
}

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rules: Rule[] = (parse(readFileSync(join(PROM, "alerts.yml"), "utf8")) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
const alerts = rules.filter((r) => r.alert);

describe("the Prometheus rules and config", () => {
  withPromtool("pass promtool check rules", async () => {
    expect(await promtoolRun("check", "rules", "alerts.yml")).toMatch(/SUCCESS: \d+ rules found/);
  });

  withPromtool("the example config, with the rules it loads, passes promtool check config", async () => {
    const out = await promtoolRun("check", "config", "prometheus.example.yml");
    expect(out).toMatch(/SUCCESS: prometheus\.example\.yml is valid/);
    expect(out).toMatch(/SUCCESS: 1 rule files found/);
  });

  withPromtool("do what they say: promtool test rules alerts.test.yml passes", async () => {
    expect(await promtoolRun("test", "rules", "alerts.test.yml")).toContain("SUCCESS");
  });

  it("has a unit test that makes each alert fire and one that keeps it quiet", () => {
    type Case = { alertname: string; exp_alerts?: unknown[] | null };
    const tests = (parse(readFileSync(join(PROM, "alerts.test.yml"), "utf8")) as { tests: { alert_rule_test?: Case[] }[] }).tests;
    const cases = tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const name of new Set(alerts.map((a) => a.alert!))) {
      const mine = cases.filter((c) => c.alertname === name);
      expect({ name, fires: mine.some((c) => (c.exp_alerts ?? []).length > 0) }).toEqual({ name, fires: true });
      expect({ name, quiet: mine.some((c) => (c.exp_alerts ?? []).length === 0) }).toEqual({ name, quiet: true });
    }
  });

  it("give every alert a severity, a summary, a description and a runbook section that exists in the README", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const anchors = new Set([...readme.matchAll(/^#+ (.+)$/gm)].map((m) => m[1]!.trim().toLowerCase().replace(/[^\w\- ]/g, "").replace(/ /g, "-")));
    expect(alerts.length).toBeGreaterThanOrEqual(6);
    for (const a of alerts) {
      expect({ alert: a.alert, severity: a.labels?.severity }).toEqual({ alert: a.alert, severity: expect.stringMatching(/^(warning|critical)$/) });
      expect(a.annotations).toEqual(expect.objectContaining({ summary: expect.any(String), description: expect.any(String), runbook_url: expect.stringMatching(/^README\.md#/) }));
      const anchor = a.annotations!.runbook_url!.split("#")[1]!;
      expect({ alert: a.alert, anchor, inReadme: anchors.has(anchor) }).toEqual({ alert: a.alert, anchor, inReadme: true });
    }
  });
});

interface Target {
  expr?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  gridPos: { x: number; y: number; w: number; h: number };
  panels?: Panel[];
}
interface Dashboard {
  schemaVersion: number;
  uid: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query: unknown; datasource?: { uid?: string } }[] };
}

/** The dashboard, parsed: a syntax error fails every test that reads it. */
function loadDashboard(): Dashboard {
  return JSON.parse(readFileSync(join(ROOT, "deploy", "grafana", "hookrelay-dashboard.json"), "utf8")) as Dashboard;
}

/** Panels, rows' collapsed children included. */
function allPanels(d: Dashboard): Panel[] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

describe("the Grafana dashboard", () => {
  const dashboard = loadDashboard();

  it("is importable anywhere: a Prometheus data source variable, and role and instance variables from hookrelay_build_info", () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(dashboard.uid).toMatch(/^[\w-]{1,40}$/);
    const vars = Object.fromEntries(dashboard.templating.list.map((v) => [v.name, v]));
    expect(vars.datasource).toMatchObject({ type: "datasource", query: "prometheus" });
    for (const name of ["role", "instance"]) {
      expect(vars[name]).toMatchObject({ type: "query", datasource: { uid: "${datasource}" } });
      expect(JSON.stringify(vars[name]!.query)).toContain("hookrelay_build_info");
    }
  });

  it("has the rows the issue asks for", () => {
    const rows = dashboard.panels.filter((p) => p.type === "row").map((p) => p.title);
    expect(rows).toEqual(["Delivery", "Backlog", "Ingest", "Endpoints", "Dependencies", "Processes"]);
  });

  it("gives every panel the data source variable and at least one query, and unique ids on a 24-column grid", () => {
    const panels = allPanels(dashboard).filter((p) => p.type !== "row");
    expect(panels.length).toBeGreaterThanOrEqual(25);
    for (const p of panels) {
      expect({ title: p.title, datasource: p.datasource?.uid }).toEqual({ title: p.title, datasource: "${datasource}" });
      expect({ title: p.title, targets: (p.targets ?? []).length > 0 }).toEqual({ title: p.title, targets: true });
      for (const t of p.targets!) {
        expect({ title: p.title, expr: t.expr?.trim() ? "present" : "missing", datasource: t.datasource?.uid }).toEqual({ title: p.title, expr: "present", datasource: "${datasource}" });
      }
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
    }
    const ids = allPanels(dashboard).map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

/**
 * Every metric name the deploy files read, with where it is read, less the names the rules
 * record themselves and Prometheus's own `up`.
 */
function namesUsedByDeployFiles(): Map<string, string> {
  const used = new Map<string, string>();
  const note = (expr: string, where: string) => {
    for (const name of metricNamesIn(expr)) if (!used.has(name)) used.set(name, where);
  };
  for (const r of rules) note(r.expr, `alerts.yml ${r.alert ?? r.record}`);
  const dashboard = loadDashboard();
  for (const p of allPanels(dashboard)) for (const t of p.targets ?? []) note(t.expr ?? "", `dashboard panel "${p.title}"`);
  for (const v of dashboard.templating.list) {
    if (v.type !== "query") continue;
    const query = typeof v.query === "string" ? v.query : (v.query as { query: string }).query;
    // label_values(<series selector>, <label>): the selector is PromQL, the label is not.
    note(query.replace(/^label_values\((.*),\s*\w+\)$/, "$1"), `dashboard variable ${v.name}`);
  }
  for (const r of rules) if (r.record) used.delete(r.record);
  used.delete("up");
  return used;
}

describe("the metrics the deploy files read", () => {
  // An API process and a worker process, each built as its entry point builds it, with its own
  // metrics listener on a free port, sharing one database and one queue prefix.
  let app: TestApp;
  let worker: Container;
  const scrapeUrls: Record<"api" | "worker", string> = { api: "", worker: "" };

  beforeAll(async () => {
    app = await startTestApp({ HOOKRELAY_METRICS_PORT: "0", HOOKRELAY_METRICS_HOST: "127.0.0.1" });
    scrapeUrls.api = (await app.container.startMetricsServer())!.url;
    worker = buildContainer(testConfig(app.db.url, { HOOKRELAY_QUEUE_PREFIX: app.container.config.queuePrefix, HOOKRELAY_METRICS_PORT: "0", HOOKRELAY_METRICS_HOST: "127.0.0.1" }));
    await worker.startWorker();
    scrapeUrls.worker = (await worker.startMetricsServer())!.url;
  });
  afterAll(async () => {
    await worker?.close();
    await app?.close();
  });

  async function scrape(role: "api" | "worker"): Promise<string> {
    const res = await fetch(scrapeUrls[role]);
    expect(res.status).toBe(200);
    return res.text();
  }

  it("are all exported by the API and worker processes once one event has been delivered", async () => {
    // One event to one webhook: every histogram then has a sample (request duration, attempt
    // duration, end-to-end latency), not only its declaration.
    const { apiKey } = await app.newAccount();
    const { receiver } = await aWebhook(app, apiKey);
    const res = await app.call("POST", "/v1/events", { key: apiKey, body: { type: "message.created", data: { n: 1 } } });
    expect(res.status).toBe(202);
    await eventually(async () => receiver.deliveries.length === 1, "the delivery");
    await eventually(async () => (await app.container.db.delivery.findFirst({ where: { eventId: res.body.id, status: "succeeded" } })) !== null, "the delivery to be settled");

    const pages = { api: await scrape("api"), worker: await scrape("worker") };
    const exported = new Set([...exportedSeriesNames(pages.api), ...exportedSeriesNames(pages.worker)]);
    const used = namesUsedByDeployFiles();
    // The check must see a real use of each kind, or a parser that found nothing would pass it.
    expect([...used.keys()]).toEqual(expect.arrayContaining(["hookrelay_attempts_total", "hookrelay_attempt_duration_seconds_bucket", "hookrelay_build_info", "process_cpu_seconds_total"]));
    const missing = [...used].filter(([name]) => !exported.has(name)).map(([name, where]) => `${name} (${where})`);
    expect(missing).toEqual([]);

    // Each role says what it is: the dashboard's variables and HookrelayWorkerGone rely on it.
    expect(pages.api).toMatch(/^hookrelay_build_info\{[^}]*role="api"[^}]*\} 1$/m);
    expect(pages.worker).toMatch(/^hookrelay_build_info\{[^}]*role="worker"[^}]*\} 1$/m);
    // And the histograms behind the quantile panels have observations.
    expect(pages.api).toMatch(/^hookrelay_http_request_duration_seconds_count\{[^}]*\} [1-9]/m);
    expect(pages.worker).toMatch(/^hookrelay_attempt_duration_seconds_count\{[^}]*outcome="success"[^}]*\} 1$/m);
    expect(pages.worker).toMatch(/^hookrelay_delivery_latency_seconds_count 1$/m);
  });
});
