// The customer's latest reassignments and what became of each (GET /api/assignments/requests), newest first:
// shown under the reassignment forms, so that a supervisor sees why a move did not happen.

import { useQuery } from "@tanstack/react-query";
import { useId } from "react";

import { api } from "../api/client";
import type { ReassignmentOutcome, ReassignmentStatus } from "../api/types";
import { ErrorState, Loading } from "../components/States";
import { formatDateTime } from "../lib/format";
import { historyKey, outcomeLabel } from "./reassignment";

export const HISTORY_LIMIT = 10;

// Colours with words, never colour alone.
const OUTCOME_COLOURS: Record<string, string> = {
  PENDING: "bg-sky-100 text-sky-900",
  APPLIED: "bg-emerald-100 text-emerald-900",
  KEPT_FOR_STAY: "bg-violet-100 text-violet-900",
  ALREADY: "bg-slate-100 text-slate-800",
  REFUSED: "bg-red-100 text-red-900",
  SUPERSEDED: "bg-amber-100 text-amber-900",
};

export function OutcomeBadge({ outcome }: { outcome: ReassignmentOutcome }) {
  const colours = OUTCOME_COLOURS[outcome] ?? "bg-slate-100 text-slate-800";
  return (
    <span className={`inline-block rounded px-2 py-0.5 text-xs font-semibold ${colours}`}>
      {outcomeLabel(outcome)}
    </span>
  );
}

/** `names`: agent id → how the forms name the agent ("Chi (A-3)"); others are shown by id. */
export function ReassignmentHistory({ cif, names }: { cif: string; names?: Map<string, string> }) {
  const headingId = useId();
  const history = useQuery({
    queryKey: historyKey(cif),
    queryFn: ({ signal }) =>
      api<ReassignmentStatus[]>("/api/assignments/requests", {
        query: { cif, limit: HISTORY_LIMIT },
        signal,
      }),
  });
  const name = (agentId: string) => names?.get(agentId) ?? agentId;

  return (
    <section aria-labelledby={headingId} className="space-y-2">
      <h3 id={headingId} className="text-sm font-semibold">
        Recent reassignments
      </h3>
      {history.isPending ? (
        <Loading label="Loading the reassignments…" />
      ) : history.isError ? (
        <ErrorState error={history.error} onRetry={() => void history.refetch()} />
      ) : history.data.length === 0 ? (
        <p className="text-sm text-slate-600">No reassignments yet.</p>
      ) : (
        <ol aria-labelledby={headingId} className="space-y-2">
          {history.data.map((request) => (
            <li key={request.override_id} className="rounded border border-slate-200 p-2 text-sm">
              <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
                <OutcomeBadge outcome={request.outcome} />
                <span className="font-medium">
                  {request.agent_type === "CALL" ? "Call" : "Field"} agent:{" "}
                  {request.from_agent_id ? name(request.from_agent_id) : "none"}
                  <span aria-hidden="true"> → </span>
                  <span className="sr-only"> to </span>
                  {name(request.agent_id)}
                </span>
              </div>
              {request.reason && <p className="mt-1 text-xs text-amber-800">{request.reason}</p>}
              <p className="mt-1 text-xs text-slate-600">
                <time dateTime={request.requested_at}>{formatDateTime(request.requested_at)}</time> by{" "}
                {request.requested_by}
              </p>
              {request.note && <p className="mt-1 text-xs text-slate-700">Note: {request.note}</p>}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
