// `npm run readme:sync`: copies each `// README: NAME` source region into the README block marked
// `<!-- snippet: NAME -->`, so that a change to the code the README shows is one command away from
// a README that shows it again. The README test then checks the result.
import fs from "node:fs";
import path from "node:path";
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
fs.writeFileSync(readmePath, lines.join("\n"));
console.log(`readme:sync: ${changed} snippet(s) updated`);
