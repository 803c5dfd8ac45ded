// `npm run readme:sync`: copies each `// README: NAME` source region into the README block marked
// `<!-- snippet: NAME -->`, and regenerates the API reference from the validators, so that a change to
// the code the README shows is one command away from a README that shows it again. The README test
// then checks the result. It also redraws the status state machine in the component's map
// (src/component/README.md) from the component's transition rule (scripts/component-map.ts).
import fs from "node:fs";
import path from "node:path";
import { API_END, API_START, renderApiReference } from "./api-reference.js";
import {
  COMPONENT_README,
  renderStatusMachine,
  STATUS_MACHINE_END,
  STATUS_MACHINE_START,
  withStatusMachine,
} from "./component-map.js";
import { dedent, fencedBlocks, markedRegions } from "./readme-snippets.js";

const repo = process.cwd();
const readmePath = path.join(repo, "README.md");
const lines = fs.readFileSync(readmePath, "utf8").split("\n");
const regions = markedRegions(repo);
let changed = 0;
// From the last block up, so that earlier line numbers stay valid while blocks change length.
for (const block of fencedBlocks(lines.join("\n")).reverse()) {
  if (block.lang !== "ts" || block.snippet === undefined) continue;
  const region = regions.get(block.snippet);
  if (!region) {
    console.error(`README.md:${block.line}: no "// README: ${block.snippet}" region in the source files`);
    process.exitCode = 1;
    continue;
  }
  if (dedent(block.code) === region.code) continue;
  const bodyLength = block.code === "" ? 0 : block.code.split("\n").length;
  lines.splice(block.line, bodyLength, ...region.code.split("\n"));
  changed++;
}
// The API reference, regenerated whole between its markers.
let readme = lines.join("\n");
const start = readme.indexOf(API_START);
const end = readme.indexOf(API_END);
if (start < 0 || end < start) {
  console.error(`README.md: the API reference markers are missing: put\n${API_START}\n${API_END}\nwhere it goes`);
  process.exitCode = 1;
} else {
  const reference = renderApiReference();
  if (readme.slice(start, end + API_END.length) !== reference) changed++;
  readme = readme.slice(0, start) + reference + readme.slice(end + API_END.length);
}
fs.writeFileSync(readmePath, readme);
// The component map's state machine, regenerated whole between its markers.
const mapPath = path.join(repo, COMPONENT_README);
const map = fs.readFileSync(mapPath, "utf8");
const redrawn = withStatusMachine(map, renderStatusMachine());
if (redrawn === null) {
  console.error(
    `${COMPONENT_README}: the status machine markers are missing: put\n${STATUS_MACHINE_START}\n${STATUS_MACHINE_END}\nwhere it goes`,
  );
  process.exitCode = 1;
} else if (redrawn !== map) {
  fs.writeFileSync(mapPath, redrawn);
  changed++;
}
console.log(`readme:sync: ${changed} snippet(s), the API reference or the component map's state machine updated`);
