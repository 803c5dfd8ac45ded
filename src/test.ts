/// <reference types="vite/client" />
/**
 * For host apps' tests with convex-test: registers this component (and the rate limiter and
 * workpool it uses) so `components.flyAgents` works in `convexTest(...)`.
 *
 * ```ts
 * import flyAgents from "@okrlinkhub/fly-agents/test";
 * const t = convexTest(schema, modules);
 * flyAgents.register(t);
 * ```
 */
import type { TestConvex } from "convex-test";
import type { GenericSchema, SchemaDefinition } from "convex/server";
import rateLimiter from "@convex-dev/rate-limiter/test";
import workpool from "@convex-dev/workpool/test";
import schema from "./component/schema.js";

const modules = import.meta.glob(["./component/**/*.ts", "!./component/**/*.test.ts", "!./component/**/*.test-d.ts"]);

/**
 * Registers the component with a convex-test instance.
 * @param t The test instance, from `convexTest(...)`.
 * @param name The component's name as installed with `app.use` (default "flyAgents").
 */
export function register(t: TestConvex<SchemaDefinition<GenericSchema, boolean>>, name: string = "flyAgents") {
  t.registerComponent(name, schema, modules);
  rateLimiter.register(t, `${name}/rateLimiter`);
  workpool.register(t, `${name}/rolloutPool`);
}

export default { register, schema, modules };
