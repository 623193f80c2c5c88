// What became of a rebalance: who went where, and what the allocation processor decided for each move. The
// moves' statuses are read by id (GET /api/assignments/requests?override_id=…, a chunk at a time) every second
// while any is pending, every few seconds past the usual wait; once all are decided, the queues are read again.

import { queryOptions, useQueries, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useRef } from "react";
import { Link } from "react-router-dom";

import { ApiError, api } from "../api/client";
import type { RebalanceAccepted, ReassignmentStatus } from "../api/types";
import { customerPath } from "../routes";
import { OutcomeBadge } from "./ReassignmentHistory";
import { anyPending, chunks, countOutcomes, pollDelay, summaryParts } from "./rebalanceMoves";
import { requestsKey } from "./reassignment";

const isClientError = (error: unknown) =>
  error instanceof ApiError && error.status >= 400 && error.status < 500;

/** The moves' statuses by override id (those read so far), and an error while some cannot be read. */
function useMoveStatuses(ids: readonly string[], since: number) {
  const runs = useMemo(() => chunks(ids), [ids]);
  const results = useQueries({
    queries: runs.map((run) =>
      queryOptions({
        queryKey: requestsKey(run),
        queryFn: ({ signal }) =>
          api<ReassignmentStatus[]>("/api/assignments/requests", { query: { override_id: run }, signal }),
        // A 4xx will not change by asking again; otherwise read again until none of the run is pending.
        refetchInterval: (query) =>
          isClientError(query.state.error)
            ? false
            : pollDelay(Date.now() - since, anyPending(run, query.state.data)),
      }),
    ),
  });
  const statuses = new Map<string, ReassignmentStatus>();
  for (const result of results)
    for (const status of result.data ?? []) statuses.set(status.override_id, status);
  return { statuses, error: results.find((result) => result.isError && !result.data)?.error };
}

/** `since`: when the rebalance was asked (the usual wait counts from then). */
export function RebalanceResult({ result, since }: { result: RebalanceAccepted; since: number }) {
  const client = useQueryClient();
  const ids = useMemo(() => result.moves.map((move) => move.override_id), [result]);
  const { statuses, error } = useMoveStatuses(ids, since);
  const counts = countOutcomes(ids.map((id) => statuses.get(id)?.outcome));
  const decided = counts.total > 0 && counts.pending === 0;

  // Once all are decided, the queues shown are read again (once; besides the refresh a few seconds after).
  const refreshed = useRef(false);
  useEffect(() => {
    if (!decided || refreshed.current) return;
    refreshed.current = true;
    void client.invalidateQueries({ queryKey: ["queue"] });
  }, [decided, client]);

  const tone = counts.refused > 0 ? "bg-amber-50 text-amber-950" : "bg-emerald-50 text-emerald-900";
  return (
    <div role="status" className={`space-y-2 rounded p-2 text-sm ${tone}`}>
      <p>
        {summaryParts(counts, result.stays).map((part, n) =>
          part.refused ? (
            <strong key={n} className="font-semibold text-red-800">
              {part.text}
            </strong>
          ) : (
            <span key={n}>{part.text}</span>
          ),
        )}
      </p>
      {error && counts.pending > 0 && (
        <p className="text-xs text-slate-700">What became of the moves cannot be read now: {error.message}</p>
      )}
      {counts.total > 0 && (
        // Not announced item by item: the sentence above says what became of them.
        <ul
          aria-label="Moved customers"
          aria-live="off"
          className="max-h-48 space-y-1 overflow-y-auto text-xs tabular-nums"
        >
          {result.moves.map((move) => {
            const status = statuses.get(move.override_id);
            return (
              <li key={move.override_id}>
                <Link to={customerPath(move.cif)} className="text-brand-700 hover:underline">
                  {move.cif}
                </Link>{" "}
                → {move.agent_id} <OutcomeBadge outcome={status?.outcome ?? "PENDING"} />
                {status?.reason && <span className="text-amber-800"> {status.reason}</span>}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
