import { useFleet } from "../data.js";
import { shortDigest } from "../format.js";

/**
 * Which OpenClaw image each agent runs (several images, or several digests of one tag, is version
 * drift) and how the latest rollout went, live. Hidden on a data layer that cannot read them.
 */
export function VersionPanel() {
  const fleet = useFleet();
  const versions = fleet.useVersions?.();
  if (versions === undefined) return null;
  const { images, rollout } = versions;
  const drift = images !== undefined && (images.length > 1 || images.some((group) => group.digests.length > 1));
  return (
    <section className="card" aria-labelledby="versions-heading">
      <h2 id="versions-heading">Images</h2>
      {images === undefined ? (
        <p className="muted">Loading…</p>
      ) : images.length === 0 ? (
        <p className="muted">Nothing runs an image yet.</p>
      ) : (
        <>
          <p className={drift ? "drift" : "muted"}>
            {drift ? "Version drift: the agents do not all run one build." : "Every agent runs one build."}
          </p>
          <ul className="image-groups">
            {images.map((group) => (
              <li key={group.image}>
                <code>{group.image}</code> · {group.count} {group.count === 1 ? "agent" : "agents"}
                {group.digests.map((digest) => (
                  <span key={digest.digest} className="muted">
                    {" "}
                    · {shortDigest(digest.digest)} × {digest.count}
                  </span>
                ))}
                {group.unknownDigest > 0 ? (
                  <span className="muted"> · digest unknown × {group.unknownDigest}</span>
                ) : null}
              </li>
            ))}
          </ul>
        </>
      )}
      {rollout ? (
        <div className="rollout">
          <h3>Latest rollout: {rollout.image}</h3>
          <p>
            {rollout.status} · {rollout.waves.length} {rollout.waves.length === 1 ? "wave" : "waves"} ·{" "}
            {rollout.upgraded}/{rollout.total} upgraded · {rollout.failed} failed · {rollout.skipped} skipped
          </p>
          {rollout.statusReason ? <p className="muted">{rollout.statusReason}</p> : null}
          <ol className="rollout-agents">
            {rollout.agents.map((agent) => (
              <li key={agent._id}>
                {agent.userId}: <strong>{agent.phase.replace("_", " ")}</strong>
                {agent.error ? <span className="muted"> · {agent.error}</span> : null}
              </li>
            ))}
          </ol>
        </div>
      ) : null}
    </section>
  );
}
