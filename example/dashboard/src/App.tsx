import { useState } from "react";
import { useFleet } from "./data.js";
import { AgentDetail } from "./components/AgentDetail.js";
import { AgentList } from "./components/AgentList.js";
import { AuditTimeline } from "./components/AuditTimeline.js";
import { ProvisionForm } from "./components/ProvisionForm.js";
import { VersionPanel } from "./components/VersionPanel.js";

/** The fleet dashboard of the signed-in tenant, over whichever data layer surrounds it. */
export function App() {
  const fleet = useFleet();
  const { session } = fleet;
  const [selected, setSelected] = useState<string | null>(null);
  const agents = fleet.useAgents(session.tenantId);
  const selectedAgent = agents.items.find((agent) => agent._id === selected);

  return (
    <div className="app">
      <header className="app-header">
        <h1>Agent fleet</h1>
        <p className="muted">
          Tenant <strong>{session.tenantId}</strong> · signed in as <strong>{session.userId}</strong>
          {session.isAdmin ? " (admin)" : ""} · <span className="source">{fleet.source}</span>
        </p>
      </header>
      <main className="columns">
        <div className="column">
          <section className="card" aria-labelledby="agents-heading">
            <h2 id="agents-heading">Agents</h2>
            <AgentList agents={agents} selected={selected} onSelect={setSelected} />
          </section>
          <AuditTimeline
            tenantId={session.tenantId}
            machineDocId={selected ?? undefined}
            agentName={selectedAgent?.userId}
          />
          <VersionPanel />
        </div>
        <div className="column">
          <ProvisionForm session={session} onProvisioned={setSelected} />
          {selected === null ? (
            <section className="card muted">Select an agent to see it live, pair it and snapshot it.</section>
          ) : (
            <AgentDetail key={selected} machineDocId={selected} onSelect={setSelected} />
          )}
        </div>
      </main>
    </div>
  );
}
