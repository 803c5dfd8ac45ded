/**
 * Starts the dashboard on one of three data layers:
 * - a `--mode test` build: the in-memory layer, left for the browser test to drive;
 * - a `--mode bridge` build: the demo's bridge at the page's own origin (`npm run demo -- --dashboard`),
 *   where the example app runs offline with the real component against the Fly emulator;
 * - otherwise the deployment at VITE_CONVEX_URL; without one, the page says how to get a fleet.
 */
import { StrictMode, type ReactNode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App.js";
import { FleetRoot } from "./data.js";
import "./styles.css";

async function dashboard(): Promise<ReactNode> {
  const mode = import.meta.env.MODE;
  if (mode === "test" || mode === "bridge") {
    const fleet =
      mode === "test"
        ? (await import("./testData.js")).createTestFleet()
        : await (await import("./bridgeData.js")).createBridgeFleet(window.location.origin);
    return (
      <FleetRoot fleet={fleet}>
        <App />
      </FleetRoot>
    );
  }
  const convexUrl = import.meta.env.VITE_CONVEX_URL;
  if (!convexUrl) return <NoDeployment />;
  const { LiveDashboard } = await import("./LiveDashboard.js");
  return <LiveDashboard url={convexUrl} />;
}

/** Without a deployment there is nothing to show: say where a fleet comes from. */
function NoDeployment() {
  return (
    <section className="card sign-in">
      <h1>Agent fleet</h1>
      <p>
        No deployment: set <code>VITE_CONVEX_URL</code> (<code>npx convex dev</code> writes it to{" "}
        <code>.env.local</code>), or run <code>npm run demo -- --dashboard</code> to watch the example app work offline,
        with the real component against the Fly emulator.
      </p>
    </section>
  );
}

const container = document.getElementById("root");
if (container === null) throw new Error("index.html has no #root element -- invariant");
createRoot(container).render(<StrictMode>{await dashboard()}</StrictMode>);
