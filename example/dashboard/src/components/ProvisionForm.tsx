import { useState, type FormEvent } from "react";
import { useFleet, type ProvisionArgs, type Session } from "../data.js";
import { useCommand } from "../useCommand.js";
import { ErrorNotice } from "./ErrorNotice.js";

type Fields = {
  userId: string;
  llmModel: string;
  region: string;
  memoryMB: string;
  allowedSkills: string;
  bridgeUrl: string;
  serviceId: string;
};

/** The provision arguments the fields stand for (blank fields left to the tenant's defaults), or what is wrong. */
function provisionArgs(tenantId: string, fields: Fields): ProvisionArgs | string {
  const userId = fields.userId.trim();
  if (userId === "") return "Enter the user the agent is for.";
  const args: ProvisionArgs = { tenantId, userId };
  const text = (value: string) => (value.trim() === "" ? undefined : value.trim());
  const llmModel = text(fields.llmModel);
  const region = text(fields.region);
  const bridgeUrl = text(fields.bridgeUrl);
  const serviceId = text(fields.serviceId);
  if (llmModel !== undefined) args.llmModel = llmModel;
  if (region !== undefined) args.region = region;
  if (bridgeUrl !== undefined) args.bridgeUrl = bridgeUrl;
  if (serviceId !== undefined) args.serviceId = serviceId;
  if (fields.memoryMB.trim() !== "") {
    const memoryMB = Number(fields.memoryMB);
    if (!Number.isInteger(memoryMB) || memoryMB < 256) return "Memory is a whole number of MB, at least 256.";
    args.memoryMB = memoryMB;
  }
  const skills = fields.allowedSkills
    .split(",")
    .map((skill) => skill.trim())
    .filter((skill) => skill !== "");
  if (skills.length > 0) args.allowedSkills = skills;
  return args;
}

/**
 * Provisions an agent for a user of the signed-in tenant. The command settles once the agent
 * runs with its model verified; meanwhile the list shows its steps live.
 */
export function ProvisionForm(props: { session: Session; onProvisioned: (machineDocId: string) => void }) {
  const { session, onProvisioned } = props;
  const commands = useFleet().useCommands();
  const provision = useCommand(commands.provision);
  const [invalid, setInvalid] = useState<string | null>(null);
  const [forUser, setForUser] = useState(session.userId);
  const [fields, setFields] = useState<Fields>({
    userId: session.userId,
    llmModel: "",
    region: "",
    memoryMB: "",
    allowedSkills: "",
    bridgeUrl: "",
    serviceId: "",
  });
  const field = (name: keyof Fields) => ({
    name,
    value: fields[name],
    onChange: (event: { target: { value: string } }) => setFields({ ...fields, [name]: event.target.value }),
  });

  async function submit(event: FormEvent) {
    event.preventDefault();
    const args = provisionArgs(session.tenantId, fields);
    if (typeof args === "string") {
      setInvalid(args);
      return;
    }
    setInvalid(null);
    setForUser(args.userId);
    const outcome = await provision.run(args);
    if (outcome.status === "done") onProvisioned(outcome.result.machineDocId);
  }

  const { state } = provision;
  return (
    <form className="card form" onSubmit={submit} aria-labelledby="provision-heading">
      <h2 id="provision-heading">Provision an agent</h2>
      <div className="form-grid">
        <label>
          User
          <input {...field("userId")} readOnly={!session.isAdmin} required />
        </label>
        <label>
          Model
          <input {...field("llmModel")} placeholder="tenant default" />
        </label>
        <label>
          Region
          <input {...field("region")} placeholder="ams" />
        </label>
        <label>
          Memory (MB)
          <input {...field("memoryMB")} inputMode="numeric" placeholder="2048" />
        </label>
        <label className="wide">
          Allowed skills
          <input {...field("allowedSkills")} placeholder="comma separated, e.g. calendar, notes" />
        </label>
        <label>
          Bridge URL
          <input {...field("bridgeUrl")} placeholder="tenant default" />
        </label>
        <label>
          Service ID
          <input {...field("serviceId")} placeholder="tenant default" />
        </label>
      </div>
      <button type="submit" disabled={state.status === "pending"}>
        {state.status === "pending" ? "Provisioning…" : "Provision agent"}
      </button>
      {invalid !== null && (
        <div className="notice notice-error" role="alert">
          {invalid}
        </div>
      )}
      {state.status === "pending" && (
        <p className="notice" role="status">
          Provisioning {forUser}'s agent: its steps show in the list as they happen.
        </p>
      )}
      {state.status === "done" && (
        <p className="notice notice-ok" role="status">
          {forUser}'s agent is running{state.result.effectiveModel ? ` with model ${state.result.effectiveModel}` : ""}.
        </p>
      )}
      {state.status === "failed" && <ErrorNotice error={state.error} />}
    </form>
  );
}
