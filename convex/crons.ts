import { cronJobs } from "convex/server";
import { internal } from "./_generated/api.js";

const crons = cronJobs();

// README: cron
crons.interval("sweep fly agents", { minutes: 5 }, internal.agents.sweepAgents, {});
// README: end

export default crons;
