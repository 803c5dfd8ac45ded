import { defineComponent } from "convex/server";
import { v } from "convex/values";
import rateLimiter from "@convex-dev/rate-limiter/convex.config.js";
import workpool from "@convex-dev/workpool/convex.config.js";

/**
 * The flyAgents component. Host apps install it with
 * `app.use(flyAgents, { env: { AGENT_SECRETS_ENCRYPTION_KEY: app.env.AGENT_SECRETS_ENCRYPTION_KEY } })`.
 *
 * Every env var is optional so that callers of the original API, who pass
 * `secretsEncryptionKey` and `flyApiToken` as arguments, keep working.
 */
const component = defineComponent("flyAgents", {
  env: {
    /**
     * Seals secrets at rest: 32 random bytes, base64 or hex (during a rotation "new,old", newest
     * first). Any other string is a passphrase, hashed with SHA-256 into the key as 0.1.x did.
     */
    AGENT_SECRETS_ENCRYPTION_KEY: v.optional(v.string()),
    /** Fly Machines API base URL; defaults to https://api.machines.dev/v1. Point it at the emulator in tests. */
    FLY_API_BASE_URL: v.optional(v.string()),
    /** Fly API token used when a call passes none and none is stored (lets a cron run the sweep). */
    FLY_API_TOKEN: v.optional(v.string()),
    /**
     * Minutes an action lives on this backend: unset means 30 (Convex's default runtime); 10 for a
     * backend that ends actions after 10 minutes. Every deadline follows from it (lifetime.ts).
     */
    ACTION_LIFETIME_MINUTES: v.optional(v.string()),
  },
});
// Paces Fly calls to Fly's per-action rate limits across concurrent actions.
component.use(rateLimiter);
// Drives image rollouts: one job per agent, retried after a crash, with a completion callback.
component.use(workpool, { name: "rolloutPool" });

export default component;
