/**
 * convex-test held to a Convex deployment's rules where convex-test alone is kinder
 * (CONVEX_NOTES.md 1 and 2), so that code which would fail on a deployment fails a test here:
 *
 * - `.paginate()` inside a component is refused, as the backend refuses it
 *   (`PaginationUnsupportedInComponents`); only the app may paginate.
 * - A component's `process.env` holds only the vars its host binds to it with
 *   `app.use(component, { env })`, plus the system ones (convex-test alone hands every component
 *   all of Node's process.env, so a missing or swapped binding would pass every test). A
 *   component the app installs that reads a var it declares but the app does not bind is
 *   refused; a component nested in another (configured by its parent, not by the app) sees
 *   `undefined` there, as on a deployment. The bindings and declarations come from the offline
 *   codegen's analysis of the app's convex.config.ts (scripts/codegen/env-bindings.mjs).
 *   Names a component does not declare pass through: Node and Vite read their own (NODE_*,
 *   VITE*) while a component runs, and component code cannot name them (its `env` is typed by
 *   its declarations, and eslint forbids `process.env` in it).
 *
 * How: every function of a component registered through `underDeploymentRules(t)` runs inside an
 * AsyncLocalStorage scope naming its component; `process.env` is replaced (once, when this module
 * loads) by a view that consults that scope, and convex-test's `Convex.asyncSyscall` by one that
 * refuses the paginated-query syscall inside it (installed by the first such function to run, once
 * convexTest() has defined `Convex`). Code outside any component (the app, `t.run`)
 * is untouched.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { TestConvex } from "convex-test";
import type { GenericSchema, SchemaDefinition } from "convex/server";
import type { ComponentEnvBindings } from "../../scripts/codegen/env-bindings.mjs";

export type { ComponentEnvBindings };

type ModuleMap = Record<string, () => Promise<unknown>>;
type AnyTestConvex = TestConvex<SchemaDefinition<GenericSchema, boolean>>;
type Scope = { componentPath: string; bindings: ComponentEnvBindings };

const running = new AsyncLocalStorage<Scope>();

/** Vars a deployment gives every component whether bound or not. */
const SYSTEM_ENV_VARS = new Set(["CONVEX_CLOUD_URL", "CONVEX_SITE_URL"]);
/** Replaced with a literal by Convex's bundler ("production"), so reading it is never refused. */
const BUNDLER_DEFINED_ENV_VARS = new Set(["NODE_ENV"]);
/** The async syscall behind `.paginate()` (convex/server's QueryImpl). */
const PAGINATED_QUERY_SYSCALL = "1.0/queryPage";
/** Marks what this module installed, so that loading it twice installs nothing twice. */
const INSTALLED = Symbol.for("fly-agents.deploymentRules");

/** The component that installed `componentPath` ("" for the app). */
function parentOf(componentPath: string): string {
  return componentPath.includes("/") ? componentPath.slice(0, componentPath.lastIndexOf("/")) : "";
}

/**
 * What a deployment's `process.env` shows the component in `scope` under `name`: `"refused"`
 * for a var it declares and the app does not bind, `"host"` for a name it does not declare.
 */
function envValue(
  host: NodeJS.ProcessEnv,
  scope: Scope,
  name: string,
): { value: string | undefined } | "refused" | "host" {
  if (SYSTEM_ENV_VARS.has(name) || BUNDLER_DEFINED_ENV_VARS.has(name)) return { value: host[name] };
  const env = scope.bindings[scope.componentPath];
  if (!env) return "host";
  const binding = env.bound[name];
  if (!binding) {
    if (!env.declared.includes(name)) return "host";
    return parentOf(scope.componentPath) === "" ? "refused" : { value: undefined };
  }
  if (binding.type === "value") return { value: binding.value };
  const parent = parentOf(scope.componentPath);
  if (parent === "") return { value: host[binding.name] };
  // A var bound from the parent's env: whatever the parent sees there.
  const seen = envValue(host, { ...scope, componentPath: parent }, binding.name);
  return typeof seen === "object" ? seen : { value: undefined };
}

function envRefused(componentPath: string, name: string): Error {
  return new Error(
    `Component ${componentPath} read process.env.${name}, which the app's convex.config.ts does not bind to it: ` +
      `on a deployment it would be undefined. Bind it with app.use(component, { env: { ${name}: app.env.${name} } }), ` +
      "or stop reading it.",
  );
}

/** Replaces `process.env` with a view that shows a running component only its bindings. */
function installScopedEnv(): void {
  if ((process.env as Record<symbol, unknown>)[INSTALLED]) return;
  const host = process.env;
  process.env = new Proxy(host, {
    get(target, key, receiver) {
      if (key === INSTALLED) return true;
      const scope = running.getStore();
      if (!scope || typeof key !== "string") return Reflect.get(target, key, receiver) as unknown;
      const seen = envValue(target, scope, key);
      if (seen === "refused") throw envRefused(scope.componentPath, key);
      return seen === "host" ? (Reflect.get(target, key, receiver) as unknown) : seen.value;
    },
    // Node's env takes only plain assignments (Reflect.set would redefine through the proxy).
    set(target, key, value) {
      if (typeof key !== "string") return Reflect.set(target, key, value);
      target[key] = String(value);
      return true;
    },
    has(target, key) {
      const scope = running.getStore();
      if (!scope || typeof key !== "string") return Reflect.has(target, key);
      const seen = envValue(target, scope, key);
      return seen === "host" ? Reflect.has(target, key) : seen !== "refused" && seen.value !== undefined;
    },
  });
}
installScopedEnv();

type AsyncSyscall = (op: string, args: string) => Promise<string>;

/** Wraps convex-test's `Convex.asyncSyscall` so that a component's `.paginate()` fails. */
function refusePaginationInComponents(): void {
  const convex = (globalThis as { Convex?: object }).Convex;
  const descriptor = convex && Object.getOwnPropertyDescriptor(convex, "asyncSyscall");
  const get = descriptor?.get as ((this: unknown) => AsyncSyscall) & { [INSTALLED]?: true };
  if (!convex || !get) {
    throw new Error(
      "convex-test no longer installs globalThis.Convex.asyncSyscall as a getter; update src/testing/deployment.ts",
    );
  }
  if (get[INSTALLED]) return;
  const guarded = Object.assign(
    function (this: unknown): AsyncSyscall {
      const syscall = get.call(this);
      return (op, args) => {
        const scope = running.getStore();
        if (op === PAGINATED_QUERY_SYSCALL && scope) {
          throw new Error(
            `PaginationUnsupportedInComponents: component ${scope.componentPath} called .paginate(), which Convex ` +
              "refuses outside the app. Use paginator (or stream) from convex-helpers/server/pagination.",
          );
        }
        return syscall(op, args);
      };
    },
    { [INSTALLED]: true as const },
  );
  Object.defineProperty(convex, "asyncSyscall", { get: guarded, configurable: true, enumerable: true });
}

type RegisteredFunction = ((...args: unknown[]) => unknown) & { _handler: (...args: unknown[]) => unknown };

function isRegisteredFunction(value: unknown): value is RegisteredFunction {
  return typeof value === "function" && typeof (value as { _handler?: unknown })._handler === "function";
}

/** A copy of the registered function whose handler runs in `scope`. */
function runningIn(fn: RegisteredFunction, scope: Scope): RegisteredFunction {
  const handler = fn._handler;
  return Object.assign((...args: unknown[]) => fn(...args), fn, {
    _handler: (...args: unknown[]) => {
      refusePaginationInComponents();
      return running.run(scope, () => handler(...args));
    },
  });
}

/**
 * The module map of a component whose functions then run as component `componentPath` under
 * a deployment's rules. For the component registered at the root of a test (it still runs as a
 * component on a deployment); `underDeploymentRules` applies it to registered components.
 * @param modules The component's `import.meta.glob` map.
 * @param componentPath Its path as installed ("flyAgents").
 * @param bindings Every component's env bindings, from `hostEnvBindings()`.
 */
export function asComponent(modules: ModuleMap, componentPath: string, bindings: ComponentEnvBindings): ModuleMap {
  const scope: Scope = { componentPath, bindings };
  const wrapped: ModuleMap = {};
  for (const [path, load] of Object.entries(modules)) {
    wrapped[path] = async () => {
      // Loading runs outside any component: Node's and Vite's loaders read their own env vars.
      const module = (await running.exit(load)) as Record<string, unknown>;
      if ("env" in module && module.env !== process.env && /_generated\/server\.[jt]s$/.test(path)) {
        throw new Error(
          `${path} captured process.env before src/testing/deployment.ts replaced it: load that module first ` +
            "(vitest.config.ts lists it in setupFiles).",
        );
      }
      const copy: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(module)) {
        copy[name] = isRegisteredFunction(value) ? runningIn(value, scope) : value;
      }
      return copy;
    };
  }
  return wrapped;
}

/**
 * `t`, with every component registered through it (and the components those register) run
 * under a deployment's rules: no `.paginate()`, and only the env vars `bindings` give it.
 * @param t A convex-test instance, from `convexTest(...)`.
 * @param bindings Every component's env bindings, from `hostEnvBindings()`.
 * @returns The same instance with `registerComponent` wrapped; register components through it.
 */
export function underDeploymentRules<T extends AnyTestConvex>(t: T, bindings: ComponentEnvBindings): T {
  const register = t.registerComponent;
  return {
    ...t,
    registerComponent: (componentPath, schema, modules) =>
      register(componentPath, schema, asComponent(modules, componentPath, bindings)),
  };
}
