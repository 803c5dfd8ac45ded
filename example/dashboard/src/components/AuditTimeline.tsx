import { useFleet } from "../data.js";
import { OPERATION_LABELS, formatDuration, formatTime } from "../format.js";

/** The audit trail, newest first: the tenant's, or one agent's when `machineDocId` is given. */
export function AuditTimeline(props: { tenantId: string; machineDocId?: string; agentName?: string }) {
  const events = useFleet().useAuditEvents(props.tenantId, props.machineDocId);
  const scope = props.machineDocId === undefined ? "whole tenant" : `agent of ${props.agentName ?? props.machineDocId}`;
  return (
    <section className="card" aria-labelledby="audit-heading">
      <h2 id="audit-heading">
        Audit timeline <span className="muted">· {scope}</span>
      </h2>
      {events.loading && <p className="muted">Loading events…</p>}
      {!events.loading && events.items.length === 0 && <p className="muted">No events yet.</p>}
      <ol className="timeline">
        {events.items.map((event) => (
          <li key={event._id} className={`timeline-event outcome-${event.outcome}`}>
            <time dateTime={new Date(event.startedAt).toISOString()}>{formatTime(event.startedAt)}</time>
            <span className="timeline-what">
              <strong>{OPERATION_LABELS[event.operation]}</strong>
              <span className={`badge badge-${event.outcome}`}>{event.outcome}</span>
              {event.userId !== undefined && <span className="muted">{event.userId}</span>}
              <span className="muted">{formatDuration(event.durationMs)}</span>
            </span>
            {event.error !== undefined && <span className="timeline-error">{event.error}</span>}
            {event.detail !== undefined && <span className="muted">{event.detail}</span>}
          </li>
        ))}
      </ol>
      {events.canLoadMore && (
        <button type="button" className="link" onClick={events.loadMore}>
          Load older events
        </button>
      )}
    </section>
  );
}
