/** Where a component's env var gets its value: the parent's env var `name`, or a literal. */
export type EnvBinding = { type: "envVar"; name: string } | { type: "value"; value: string };

/** A component's env: the vars its definition declares, and what its parent binds to them. */
export type ComponentEnv = { declared: string[]; bound: Record<string, EnvBinding> };

/** Each component's env by its path in the component tree ("flyAgents", "flyAgents/rateLimiter"). */
export type ComponentEnvBindings = Record<string, ComponentEnv>;

/** The env bindings of every component the app at `root` uses, from its convex.config.ts. */
export function componentEnvBindings(options: { root: string }): Promise<ComponentEnvBindings>;
