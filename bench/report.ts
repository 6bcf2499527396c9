import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem, release, platform, loadavg } from "node:os";
import { join } from "node:path";
import { fmt, table } from "../harness/table";
import type { BenchOptions, ScenarioResult } from "./types";

/** The printed tables and the JSON file: the bench's only outputs. */
export function machineInfo() {
  const cpu = cpus();
  return {
    cpuModel: cpu[0]?.model ?? "unknown",
    cpuCount: cpu.length,
    totalMemoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${platform()} ${release()}`,
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

export function renderScenario(r: ScenarioResult): string {
  const params = Object.entries(r.params)
    .map(([k, v]) => `${k}=${fmt(v)}`)
    .join(", ");
  const parts = [`## ${r.title}${r.durationSec !== undefined ? ` (${r.durationSec} s)` : ""}`, `parameters: ${params}`, table(r.rows)];
  for (const n of r.notes) parts.push(`note: ${n}`);
  return parts.join("\n") + "\n";
}

export function writeResults(
  dir: string,
  startedAt: Date,
  payload: { options: BenchOptions; machine: ReturnType<typeof machineInfo>; totalSeconds: number; scenarios: ScenarioResult[]; errors: Record<string, string> },
): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${startedAt.toISOString().replace(/:/g, "-")}.json`);
  writeFileSync(file, JSON.stringify({ startedAt: startedAt.toISOString(), ...payload }, null, 2) + "\n");
  return file;
}
