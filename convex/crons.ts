// README: cron
import { cronJobs } from "convex/server";
import { internal } from "./_generated/api.js";

const crons = cronJobs();

crons.interval("sweep fly agents", { minutes: 5 }, internal.agents.sweepAgents, {});

export default crons;
// README: end
