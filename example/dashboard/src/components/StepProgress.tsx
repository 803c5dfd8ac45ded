import type { ProvisionStep } from "../data.js";
import { STEP_COUNT, STEP_LABELS, stepPosition } from "../format.js";

/** How far a provisioning is: a bar and "Step 3 of 7 · Creating machine". */
export function StepProgress(props: { step: ProvisionStep | undefined }) {
  const step = props.step ?? "queued";
  const position = stepPosition(step);
  const label = `Step ${position} of ${STEP_COUNT} · ${STEP_LABELS[step]}`;
  return (
    <div
      className="step-progress"
      role="progressbar"
      aria-valuemin={1}
      aria-valuemax={STEP_COUNT}
      aria-valuenow={position}
      aria-valuetext={label}
    >
      <div className="step-bar">
        <div className="step-fill" style={{ width: `${(position / STEP_COUNT) * 100}%` }} />
      </div>
      <span className="step-label">{label}</span>
    </div>
  );
}
