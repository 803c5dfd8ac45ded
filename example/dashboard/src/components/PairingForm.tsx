import { useState, type FormEvent } from "react";
import { useFleet, type Agent } from "../data.js";
import { useCommand } from "../useCommand.js";
import { ErrorNotice } from "./ErrorNotice.js";

/**
 * Approves the pairing code the agent's Telegram bot gave a user, so that Telegram account
 * can talk to the agent. One pairing runs at a time per agent.
 */
export function PairingForm(props: { agent: Agent }) {
  const { agent } = props;
  const commands = useFleet().useCommands();
  const pairing = useCommand(commands.approvePairing);
  const [code, setCode] = useState("");
  const running = agent.status === "running";

  async function submit(event: FormEvent) {
    event.preventDefault();
    const telegramPairingCode = code.trim();
    if (telegramPairingCode === "") return;
    const outcome = await pairing.run({ machineDocId: agent._id, telegramPairingCode });
    if (outcome.status === "done") setCode("");
  }

  const { state } = pairing;
  return (
    <form className="subcard form" onSubmit={submit} aria-labelledby="pairing-heading">
      <h3 id="pairing-heading">Telegram pairing</h3>
      <div className="inline">
        <label>
          Pairing code
          <input
            name="telegramPairingCode"
            value={code}
            onChange={(event) => setCode(event.target.value)}
            placeholder="code the bot sent"
            autoComplete="off"
            disabled={!running}
          />
        </label>
        <button type="submit" disabled={!running || code.trim() === "" || state.status === "pending"}>
          {state.status === "pending" ? "Approving…" : "Approve pairing"}
        </button>
      </div>
      {!running && <p className="muted">The agent must be running to pair.</p>}
      {state.status === "done" && (
        <p className="notice notice-ok" role="status">
          Pairing approved: that Telegram account can now talk to the agent.
        </p>
      )}
      {state.status === "failed" && <ErrorNotice error={state.error} />}
    </form>
  );
}
