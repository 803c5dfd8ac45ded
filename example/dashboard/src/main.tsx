/**
 * Starts the dashboard: on the deployment at VITE_CONVEX_URL when it is set, otherwise on
 * the in-memory data layer, driven by its own clock (the demo). A `--mode test` build always
 * uses the in-memory layer, left for the browser test to drive.
 */
import { StrictMode, type ReactNode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App.js";
import { FleetRoot } from "./data.js";
import "./styles.css";

const DEMO_STEP_MS = 900; // how long each provisioning step takes in the demo

async function dashboard(): Promise<ReactNode> {
  const convexUrl = import.meta.env.VITE_CONVEX_URL;
  if (convexUrl && import.meta.env.MODE !== "test") {
    const { LiveDashboard } = await import("./LiveDashboard.js");
    return <LiveDashboard url={convexUrl} />;
  }
  const { createTestFleet } = await import("./testData.js");
  const fleet = createTestFleet(import.meta.env.MODE === "test" ? {} : { autoAdvanceMs: DEMO_STEP_MS });
  return (
    <FleetRoot fleet={fleet}>
      <App />
    </FleetRoot>
  );
}

const container = document.getElementById("root");
if (container === null) throw new Error("index.html has no #root element -- invariant");
createRoot(container).render(<StrictMode>{await dashboard()}</StrictMode>);
