// Analysis (the part of the backend's startPush response that codegen reads): for each component,
// its definition metadata, including the exports tree built from its public functions.

import { compareBytes, sortValidator } from "./backend-order.mjs";
import { fail } from "./errors.mjs";

/**
 * Public functions become the component's exports, nested by module path.
 * @param {Record<string, { functions: any[] }>} functions from analyzeFunctions
 */
export function buildExports(functions) {
  const root = {};
  const modulePaths = Object.keys(functions).sort(compareBytes);
  for (const modulePath of modulePaths) {
    const importPath = modulePath.replace(/\.js$/, "");
    for (const fn of functions[modulePath].functions) {
      if (fn.visibility?.kind !== "public") continue;
      let node = root;
      for (const part of importPath.split("/")) {
        node[part] ??= { type: "branch", children: {} };
        if (node[part].type !== "branch") fail(`ambiguous export ${importPath} in ${modulePath}`);
        node = node[part].children;
      }
      if (node[fn.name]) fail(`ambiguous export ${importPath}.${fn.name}`);
      node[fn.name] = { type: "leaf", leaf: `_reference/function/${importPath}:${fn.name}` };
    }
  }
  const serialize = (children) => ({
    type: "branch",
    branch: Object.keys(children)
      .sort(compareBytes)
      .map((key) => {
        const child = children[key];
        return [key, child.type === "leaf" ? { type: "leaf", leaf: child.leaf } : serialize(child.children)];
      }),
  });
  return serialize(root);
}

/**
 * The `definition` of one component's analysis, as the backend returns it.
 * @param {any} exported what the component's convex.config `.export()` returned
 * @param {string} definitionPath the component's path relative to the root ("" for the root)
 * @param {any} exportsTree from buildExports
 */
export function definitionMetadata(exported, definitionPath, exportsTree) {
  const envVars = (exported.envVars ?? [])
    .map(([name, decl]) => [name, { ...decl, value: JSON.stringify(sortValidator(JSON.parse(decl.value))) }])
    .sort(([a], [b]) => compareBytes(a, b));
  return {
    path: definitionPath,
    definitionType: exported.definitionType,
    childComponents: (exported.childComponents ?? []).map((c) => ({
      name: c.name,
      path: c.path,
      args: c.args ?? [],
      // The backend keeps bindings in a BTreeMap.
      env: c.env ? [...c.env].sort(([a], [b]) => compareBytes(a, b)) : [],
    })),
    httpMounts: exported.httpMounts ?? {},
    exports: exportsTree,
    // The backend omits env vars when there are none and returns them sorted by name.
    ...(envVars.length > 0 ? { envVars } : {}),
  };
}
