import { useCallback, useState } from "react";
import { useFleet, type Agent, type FleetCommands } from "../data.js";
import { useCommand } from "../useCommand.js";
import { ErrorNotice } from "./ErrorNotice.js";

type MachineCommand = Extract<keyof FleetCommands, "start" | "stop" | "restart" | "deprovision">;

const DONE: Record<MachineCommand, string> = {
  start: "Agent started.",
  stop: "Agent stopped: its volume keeps its state.",
  restart: "Agent restarted.",
  deprovision: "Agent deprovisioned: its machine and volume are deleted.",
};

/** The commands a button sends at once: each allowed only from one status. */
const LIFECYCLE_BUTTONS: Array<{
  command: Exclude<MachineCommand, "deprovision">;
  label: string;
  from: Agent["status"];
  className?: string;
}> = [
  { command: "start", label: "Start", from: "stopped" },
  { command: "stop", label: "Stop", from: "running", className: "secondary" },
  { command: "restart", label: "Restart", from: "running", className: "secondary" },
];

/** Start, stop, restart and deprovision (after a confirmation) the agent's machine. */
export function MachineActions(props: { agent: Agent }) {
  const { agent } = props;
  const commands = useFleet().useCommands();
  const [last, setLast] = useState<MachineCommand | null>(null);
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const send = useCallback(
    (command: MachineCommand) => commands[command]({ machineDocId: agent._id }),
    [commands, agent._id],
  );
  const action = useCommand(send);
  const busy = action.state.status === "pending" || agent.status === "provisioning";

  function run(command: MachineCommand) {
    setLast(command);
    setConfirmingDelete(false);
    void action.run(command);
  }

  return (
    <div className="actions">
      <div className="inline">
        {LIFECYCLE_BUTTONS.map((button) => (
          <button
            key={button.command}
            type="button"
            className={button.className}
            disabled={busy || agent.status !== button.from}
            onClick={() => run(button.command)}
          >
            {button.label}
          </button>
        ))}
        <button
          type="button"
          className="danger"
          disabled={busy || agent.status === "deleted" || confirmingDelete}
          onClick={() => setConfirmingDelete(true)}
        >
          Deprovision
        </button>
      </div>
      {confirmingDelete && (
        <div className="notice notice-warn" role="group" aria-label="Confirm deprovision">
          <p>The machine and its volume are deleted. Snapshots stay and can restore the agent later.</p>
          <div className="inline">
            <button type="button" className="danger" onClick={() => run("deprovision")}>
              Confirm deprovision
            </button>
            <button type="button" className="secondary" onClick={() => setConfirmingDelete(false)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {action.state.status === "pending" && last !== null && (
        <p className="notice" role="status">
          Working…
        </p>
      )}
      {action.state.status === "done" && last !== null && (
        <p className="notice notice-ok" role="status">
          {DONE[last]}
        </p>
      )}
      {action.state.status === "failed" && <ErrorNotice error={action.state.error} />}
    </div>
  );
}
