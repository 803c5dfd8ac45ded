// README: install
import { defineApp } from "convex/server";
import { v } from "convex/values";
import flyAgents from "@okrlinkhub/fly-agents/convex.config.js";

const app = defineApp({
  env: {
    /** `openssl rand -base64 32`: seals the secrets the component stores. */
    AGENT_SECRETS_ENCRYPTION_KEY: v.string(),
    /** `fly tokens create deploy -a <app>`: used where no token is stored, and by the sweep cron. */
    FLY_API_TOKEN: v.optional(v.string()),
    /** Fly Machines API; unset means https://api.machines.dev/v1. The emulator's URL in tests. */
    FLY_API_BASE_URL: v.optional(v.string()),
    /** How long Convex lets an action run, in minutes: unset means 30; set 10 on a backend that ends actions sooner. */
    ACTION_LIFETIME_MINUTES: v.optional(v.string()),
  },
});
// The component gets the app's env vars by reference: set them once, on the app.
app.use(flyAgents, {
  env: {
    AGENT_SECRETS_ENCRYPTION_KEY: app.env.AGENT_SECRETS_ENCRYPTION_KEY,
    FLY_API_TOKEN: app.env.FLY_API_TOKEN,
    FLY_API_BASE_URL: app.env.FLY_API_BASE_URL,
    ACTION_LIFETIME_MINUTES: app.env.ACTION_LIFETIME_MINUTES,
  },
});

export default app;
// README: end
