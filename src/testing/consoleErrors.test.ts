import { expect, test } from "vitest";
import { expectConsoleErrors, unexpectedLines } from "./consoleErrors.js";

test("captures the expected console.error lines instead of printing them, and lets the test read them", () => {
  const original = console.error;
  const capture = expectConsoleErrors(/Machines_wait failed with HTTP 503/);
  expect(console.error).not.toBe(original);
  console.error(new Error("Fly Machines_wait failed with HTTP 503: unavailable"));
  expect(capture.logged()).toHaveLength(1);
  expect(capture.logged()[0]).toMatch(/^Error: Fly Machines_wait failed with HTTP 503: unavailable\n\s+at /);
});

test("console.error is itself again once the test that captured it has ended", () => {
  expect(console.error).not.toHaveProperty("mock");
});

test("a line no pattern expects is reported, with what it said", () => {
  const logged = ["Error when running scheduled function skills:applyStoredSkills ConvexError: refused", "boom"];
  expect(unexpectedLines(logged, [/scheduled function skills:applyStoredSkills/])).toEqual(["boom"]);
  expect(unexpectedLines(logged, [])).toEqual(logged);
  expect(unexpectedLines([], [/anything/])).toEqual([]);
});
