/**
 * Keeps the emulator's map (src/fly-emulator/README.md) true to the tree: every module it names exists, every
 * module of the emulator is named in it, and the emulator imports nothing from the component.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";

const EMULATOR = path.join(process.cwd(), "src/fly-emulator");
const MAP = fs.readFileSync(path.join(EMULATOR, "README.md"), "utf8");

/** Every `something.ts` the map names in backticks. */
const namedModules = new Set([...MAP.matchAll(/`([\w./-]+\.ts)`/g)].map((match) => match[1]));

/** The emulator's source files, tests left out, as paths from src/fly-emulator. */
const sourceFiles = (fs.readdirSync(EMULATOR, { recursive: true }) as string[])
  .map((file) => file.split(path.sep).join("/"))
  .filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts"));

describe("the emulator's map (src/fly-emulator/README.md)", () => {
  test("every module it names exists", () => {
    expect(namedModules.size).toBeGreaterThan(30);
    const missing = [...namedModules].filter((name) => !fs.existsSync(path.join(EMULATOR, name)));
    expect(missing, "the map names modules that do not exist: fix their names in the README").toEqual([]);
  });

  test("names every module of the emulator", () => {
    const unnamed = sourceFiles.filter((file) => !namedModules.has(file));
    expect(unnamed, "modules missing from the map's Rooms: add each, in backticks, with what it holds").toEqual([]);
  });

  test("shares no code or type with the component: an independent model of Fly is what makes it a test", () => {
    const importing = sourceFiles.filter((file) =>
      /from\s+["'][^"']*\/component\//.test(fs.readFileSync(path.join(EMULATOR, file), "utf8")),
    );
    expect(importing).toEqual([]);
  });
});
