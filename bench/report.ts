/** Benchmark results: the table printed, the JSON written, the machine described. */
import { cpus, freemem, platform, release, totalmem } from "node:os";
import { mkdirSync, writeFileSync } from "node:fs";

export type Figure = { name: string; value: string; target?: string; ok?: boolean; note?: string };
export type Section = { id: string; title: string; figures: Figure[]; details?: unknown };

export function machineDescription() {
  const cpu = cpus();
  return {
    platform: `${platform()} ${release()}`,
    cpu: `${cpu.length} × ${cpu[0]?.model ?? "unknown"}`,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    freeMemoryGiB: Math.round(freemem() / 2 ** 30),
    node: process.version,
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function printSection(section: Section) {
  console.log(`\n${section.id}  ${section.title}`);
  const rows = section.figures.map((f) => [
    f.name,
    f.value,
    f.target ?? "",
    f.ok === undefined ? "" : f.ok ? "ok" : "MISS",
    f.note ?? "",
  ]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i].length), 4));
  for (const row of rows) {
    console.log(
      `  ${row
        .slice(0, 4)
        .map((cell, i) => cell.padEnd(widths[i]))
        .join("  ")}  ${row[4]}`.trimEnd(),
    );
  }
}

export function writeResults(sections: Section[], file: string) {
  mkdirSync(file.replace(/\/[^/]*$/, ""), { recursive: true });
  writeFileSync(
    file,
    JSON.stringify({ at: new Date().toISOString(), machine: machineDescription(), sections }, null, 2),
  );
}
