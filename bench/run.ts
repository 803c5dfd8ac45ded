/**
 * `npm run bench`: B1–B6 against the Fly emulator and convex-test. Prints a table, writes
 * bench-results/latest.json, and exits non-zero when a target misses.
 *
 *   npm run bench                 # everything (about three minutes)
 *   npm run bench -- --only B1,B4
 *   npm run bench -- --agents 30  # a smaller fleet for B3
 *   npm run bench -- --only B7 --rollout-agents 10  # a smaller rollout
 */
import { fleet } from "./fleet.js";
import { listingAtScale } from "./listing.js";
import { callsPerOperation, provisioningVsFloor, readinessLatency } from "./provisioning.js";
import { machineDescription, printSection, writeResults, type Section } from "./report.js";
import { rollout } from "./rollout.js";
import { secretsCost } from "./secrets.js";
import { preloadModules } from "../src/testing/harness.js";

function option(args: string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
}

export async function main(args: string[]): Promise<number> {
  const only = option(args, "--only")
    ?.split(",")
    .map((id) => id.trim().toUpperCase());
  const agents = Number(option(args, "--agents") ?? 100);
  const out = option(args, "--out") ?? "bench-results/latest.json";
  const benches: Array<[string, () => Promise<Section>]> = [
    ["B1", provisioningVsFloor],
    ["B2", callsPerOperation],
    ["B3", () => fleet(agents)],
    ["B4", listingAtScale],
    ["B5", secretsCost],
    ["B6", readinessLatency],
    ["B7", () => rollout(Number(option(args, "--rollout-agents") ?? 50))],
  ];
  await preloadModules();
  const machine = machineDescription();
  console.log(
    `fly-agents benchmarks on ${machine.cpu}, ${machine.memoryGiB} GiB, ${machine.platform}, Node ${machine.node}`,
  );
  const sections: Section[] = [];
  for (const [id, run] of benches) {
    if (only && !only.includes(id)) continue;
    const section = await run();
    printSection(section);
    sections.push(section);
  }
  writeResults(sections, out);
  const misses = sections.flatMap((s) => s.figures.filter((f) => f.ok === false).map((f) => `${s.id} ${f.name}`));
  console.log(
    `\n${misses.length === 0 ? "All targets hold." : `Targets missed: ${misses.join("; ")}`}  Results: ${out}`,
  );
  return misses.length === 0 ? 0 : 1;
}
