/** Where a component's env var gets its value: the parent's env var `name`, or a literal. */
export type EnvBinding = { type: "envVar"; name: string } | { type: "value"; value: string };

/** Each component's bindings by its path in the component tree ("flyAgents", "flyAgents/rateLimiter"). */
export type ComponentEnvBindings = Record<string, Record<string, EnvBinding>>;

/** The env bindings of every component the app at `root` uses, from its convex.config.ts. */
export function componentEnvBindings(options: { root: string }): Promise<ComponentEnvBindings>;
