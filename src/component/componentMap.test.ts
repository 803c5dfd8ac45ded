/**
 * Keeps the component's map (src/component/README.md) true to the code: the modules it names exist
 * and every module is named; each function of the provision trace is defined in the module its row
 * names; the status diagram is the one `canTransition` gives (`npm run readme:sync` draws it); the
 * steps table lists exactly the steps `vProvisionStep` declares, each written where the table says;
 * and the settings table has a row for every argument of the provisioning functions, with env vars,
 * defaults and error kinds that exist.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import {
  allowedTransitions,
  agentStatuses,
  COMPONENT_README,
  INITIAL_STATUS,
  renderStatusMachine,
  STATUS_MACHINE_END,
  STATUS_MACHINE_START,
} from "../../scripts/component-map.js";
import * as agentSpec from "./agentSpec.js";
import { canTransition } from "./agents.js";
import { ERROR_KINDS } from "./errors.js";
import * as http from "./fly/http.js";
import * as lib from "./lib.js";
import * as lifetime from "./lifetime.js";
import * as limits from "./limits.js";
import { vProvisionStep } from "./validators.js";

const REPO = process.cwd();
const COMPONENT = path.join(REPO, "src/component");
const README = fs.readFileSync(path.join(REPO, COMPONENT_README), "utf8");

/** The text between backticks in `text`, in order. */
function quoted(text: string): string[] {
  return [...text.matchAll(/`([^`\n]+)`/g)].map((match) => match[1]);
}

/** A path the map names: from the repository root when it starts with a top folder, else from src/component. */
function resolveModule(name: string): string {
  return /^(src|scripts|convex|example|bench)\//.test(name) ? path.join(REPO, name) : path.join(COMPONENT, name);
}

/** The component's modules (not tests, not generated), as paths from src/component. */
function componentModules(dir = COMPONENT): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "_generated" ? [] : componentModules(full);
    if (!entry.name.endsWith(".ts") || /\.test(-d)?\.ts$/.test(entry.name)) return [];
    return [path.relative(COMPONENT, full).split(path.sep).join("/")];
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
}

/** Whether `source` defines `name`: a function, class, const, type, or a method (`Class.method`: both). */
function defines(source: string, name: string): boolean {
  const [owner, member] = name.includes(".") ? name.split(".", 2) : [undefined, name];
  const n = escapeRegExp(member);
  const declaration = new RegExp(`\\b(?:function\\*?|const|let|var|class|type|interface|enum)\\s+${n}\\b`);
  const method = new RegExp(
    `^\\s*(?:(?:public|private|protected|static|readonly|async|get|set|override)\\s+)*${n}\\s*(?:<[^>\\n]*>)?\\(`,
    "m",
  );
  if (owner !== undefined) {
    return new RegExp(`\\bclass\\s+${escapeRegExp(owner)}\\b`).test(source) && method.test(source);
  }
  return declaration.test(source) || method.test(source);
}

/** The rows of every markdown table whose header is `header` (cells trimmed, header and rule dropped). */
function tableRows(header: string): string[][] {
  const lines = README.split("\n");
  const rows: string[][] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== header) continue;
    for (let j = i + 2; j < lines.length && lines[j].startsWith("|"); j++) {
      rows.push(
        lines[j]
          .slice(1, lines[j].trimEnd().length - 1)
          .split("|")
          .map((cell) => cell.trim()),
      );
    }
  }
  return rows;
}

const TRACE_HEADER = "| # | layer | module | functions | what it does on the path |";
const STEPS_HEADER = "| step | what is happening | written by |";
const SETTINGS_HEADER =
  "| setting | argument | user's stored secrets | tenant defaults | component env | when none is given |";

describe("the component's map (src/component/README.md)", () => {
  test("every module it names exists", () => {
    const named = quoted(README).filter((text) => /^[\w./-]+\.ts$/.test(text));
    expect(named.length).toBeGreaterThan(40);
    const missing = [...new Set(named)].filter((name) => !fs.existsSync(resolveModule(name)));
    expect(missing, "the map names modules that do not exist: fix their names in src/component/README.md").toEqual([]);
  });

  test("names every module of the component", () => {
    const named = new Set(quoted(README));
    const unnamed = componentModules().filter((module) => !named.has(module));
    expect(unnamed, "modules missing from the map's Rooms: add each, in backticks, with what it holds").toEqual([]);
  });

  test("each function of the provision trace is defined in the module its row names", () => {
    const rows = tableRows(TRACE_HEADER);
    expect(rows.length).toBeGreaterThanOrEqual(20);
    const problems: string[] = [];
    for (const [number, , moduleCell, functionsCell] of rows) {
      const modules = quoted(moduleCell);
      if (modules.length !== 1 || !modules[0].endsWith(".ts")) {
        problems.push(`row ${number}: the module cell must name one module, in backticks`);
        continue;
      }
      const file = resolveModule(modules[0]);
      if (!fs.existsSync(file)) {
        problems.push(`row ${number}: ${modules[0]} does not exist`);
        continue;
      }
      const source = fs.readFileSync(file, "utf8");
      const functions = quoted(functionsCell);
      if (functions.length === 0) problems.push(`row ${number}: names no function`);
      for (const name of functions) {
        if (!defines(source, name)) problems.push(`row ${number}: ${modules[0]} defines no ${name}`);
      }
    }
    expect(problems).toEqual([]);
  });

  test("the provision trace starts at lib.provisionAgentMachine and reaches fly/http.ts, which calls fetch", () => {
    const rows = tableRows(TRACE_HEADER);
    expect(quoted(rows[0][2])).toEqual(["lib.ts"]);
    expect(quoted(rows[0][3])).toContain("provisionAgentMachine");
    const http = rows.find((row) => quoted(row[2])[0] === "fly/http.ts");
    expect(http, "the trace must reach the HTTP layer").toBeDefined();
    expect(fs.readFileSync(path.join(COMPONENT, "fly/http.ts"), "utf8")).toMatch(/\bawait fetch\(/);
  });

  test("the status diagram is the one the transition table gives (npm run readme:sync)", () => {
    const start = README.indexOf(STATUS_MACHINE_START);
    const end = README.indexOf(STATUS_MACHINE_END);
    expect(start, "the status machine markers are missing").toBeGreaterThanOrEqual(0);
    expect(README.slice(start, end + STATUS_MACHINE_END.length)).toBe(renderStatusMachine());
  });

  test("the diagram's arrows are exactly the transitions canTransition allows, both ways", () => {
    const block = README.slice(README.indexOf(STATUS_MACHINE_START), README.indexOf(STATUS_MACHINE_END));
    const drawn = [...block.matchAll(/^\s+(\w+) --> (\w+)(?::|$)/gm)].map((match) => `${match[1]}>${match[2]}`);
    const selfStated = block.includes("Every status may also be written again unchanged");
    const statuses = agentStatuses();
    const allowed = statuses.flatMap((from) =>
      statuses.filter((to) => canTransition(from, to) && !(selfStated && from === to)).map((to) => `${from}>${to}`),
    );
    expect(drawn.sort()).toEqual(allowed.sort());
    if (selfStated) expect(statuses.every((status) => canTransition(status, status))).toBe(true);
    expect(allowedTransitions().length).toBe(allowed.length + (selfStated ? statuses.length : 0));
    // Final states: those that may go nowhere else.
    const finals = [...block.matchAll(/^\s+(\w+) --> \[\*\]$/gm)].map((match) => match[1]);
    expect(finals).toEqual(statuses.filter((from) => statuses.every((to) => to === from || !canTransition(from, to))));
  });

  test("a new record is inserted with the diagram's initial status", () => {
    const agents = fs.readFileSync(path.join(COMPONENT, "agents.ts"), "utf8");
    const insert = agents.indexOf('ctx.db.insert("agentMachines"');
    expect(insert, "agents.ts no longer inserts agent records: update INITIAL_STATUS's source").toBeGreaterThan(0);
    expect(agents.slice(insert, agents.indexOf("});", insert))).toContain(`status: "${INITIAL_STATUS}"`);
  });

  test("the steps table lists every provisioning step, each written where it says", () => {
    const rows = tableRows(STEPS_HEADER);
    const listed = rows.map((row) => quoted(row[0])[0]);
    const declared = vProvisionStep.members.map((member) => member.value as string);
    expect(listed, "one row per value of vProvisionStep, in its order").toEqual(declared);
    const problems: string[] = [];
    for (const [stepCell, , writerCell] of rows) {
      const step = quoted(stepCell)[0];
      const [module, writer] = quoted(writerCell);
      if (module === undefined) {
        // "never written": no module may write it.
        const writers = componentModules().filter((name) =>
          new RegExp(`step: "${step}"`).test(fs.readFileSync(path.join(COMPONENT, name), "utf8")),
        );
        if (writers.length > 0) problems.push(`${step}: listed as never written, but ${writers.join(", ")} writes it`);
        continue;
      }
      const source = fs.readFileSync(resolveModule(module), "utf8");
      if (!source.includes(`step: "${step}"`) && !source.includes(`"${step}"`))
        problems.push(`${step}: ${module} never writes it`);
      if (writer === undefined || !defines(source, writer)) problems.push(`${step}: ${module} defines no ${writer}`);
    }
    expect(problems).toEqual([]);
  });

  test("the settings table has a row for every argument of the provisioning functions, and no other", () => {
    const args = new Set<string>();
    for (const fn of [
      lib.provisionAgentMachine,
      lib.provisionAgentMachineWithStoredSecrets,
      lib.recreateAgentFromLatestSnapshot,
      lib.recreateAgentFromLatestSnapshotWithStoredSecrets,
    ]) {
      const json = JSON.parse((fn as unknown as { exportArgs(): string }).exportArgs()) as {
        value: Record<string, unknown>;
      };
      for (const name of Object.keys(json.value)) args.add(name);
    }
    const rows = tableRows(SETTINGS_HEADER);
    const settings = rows.map((row) => row[0]).filter((cell) => /^`\w+`$/.test(cell));
    const named = settings.map((cell) => cell.slice(1, -1));
    expect([...new Set(named)].sort(), "one row per argument (rows for what is not an argument: no backticks)").toEqual(
      [...args].sort(),
    );
    expect(named.length, "an argument has two rows").toBe(new Set(named).size);
  });

  test("the settings table's env vars, defaults and error kinds exist, and its defaults are the code's", () => {
    const rows = tableRows(SETTINGS_HEADER);
    const config = fs.readFileSync(path.join(COMPONENT, "convex.config.ts"), "utf8");
    const constants: Record<string, unknown> = { ...agentSpec, ...limits, ...lifetime, ...http };
    const problems: string[] = [];
    for (const row of rows) {
      for (const name of quoted(row[4])) {
        if (!new RegExp(`^\\s+${name}: v\\.`, "m").test(config))
          problems.push(`${row[0]}: ${name} is not an env var of convex.config.ts`);
      }
      const whenNone = row[5];
      for (const match of whenNone.matchAll(/`([A-Z][A-Z0-9_]+)` = `([^`]+)`/g)) {
        const [, name, value] = match;
        if (!(name in constants)) problems.push(`${row[0]}: no constant ${name}`);
        else if (String(constants[name]) !== value)
          problems.push(`${row[0]}: ${name} is ${String(constants[name])}, not ${value}`);
      }
      for (const kind of quoted(whenNone).filter((text) => /^[a-z]+_[a-z_]+$/.test(text))) {
        if (!(ERROR_KINDS as readonly string[]).includes(kind)) problems.push(`${row[0]}: no error kind ${kind}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
