// Moving a customer to another agent by hand (supervisors and admins): one small form per pool the customer is
// in (a call agent, a field agent), listing the pool's agents from GET /api/assignments/options, those the
// customer cannot go to greyed with the reason. The API accepts the move (202) and a stream processor decides
// it within seconds: its status (GET /api/assignments/requests/{id}) is read every second while it is
// pending, and the form says what became of it (applied, refused and why, ...). Once applied, the options are
// read again until they show the new agent, and then the customer page is refreshed (a live queue event
// refreshes them all too, under the "customer" key). Under the forms, the customer's recent reassignments.

import { queryOptions, useMutation, useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState, type FormEvent } from "react";

import { ApiError, api } from "../api/client";
import type {
  AssignmentOptions,
  ReassignmentAccepted,
  ReassignmentCreate,
  ReassignmentStatus,
} from "../api/types";
import { Field, buttonClass, inputClass, secondaryButtonClass } from "../components/Field";
import { ErrorState, Loading } from "../components/States";
import { ReassignmentHistory } from "./ReassignmentHistory";
import { agentLabel, historyKey, optionsKey, requestKey, statusLine, type Tone } from "./reassignment";

export { agentLabel, optionsKey } from "./reassignment";

const NOTE_MAX = 500;
/** How long a requested move usually takes to be decided (seconds); then its status is read less often. */
const AWAIT_MS = 30_000;
const POLL_MS = 1000;
const LATE_POLL_MS = 5000;

interface Request {
  accepted: ReassignmentAccepted;
  label: string;
  until: number;
}

/** A requested move and its status as last read. */
interface Tracked {
  request: Request;
  status: ReassignmentStatus | undefined;
  /** When the status was last read. */
  readAt: number;
  /** The status was not found (a 404: read before the API's record of it, say). */
  notFound: boolean;
}

const poolOf = (pools: AssignmentOptions[] | undefined, agentType: string) =>
  pools?.find((pool) => pool.agent_type === agentType);

const arrived = (pools: AssignmentOptions[] | undefined, request: Request) =>
  poolOf(pools, request.accepted.agent_type)?.agent_id === request.accepted.agent_id;

const isNotFound = (error: unknown) => error instanceof ApiError && error.status === 404;

/** Pending (or not there yet): every second for the usual wait, then every few seconds; decided: no more. */
function pollEvery(request: Request, status: ReassignmentStatus | undefined, error: unknown): number | false {
  if (status && status.outcome !== "PENDING") return false;
  const waiting = Date.now() < request.until;
  // Not there yet (read before the API's record of it): like pending, but only for the wait.
  if (!status && isNotFound(error)) return waiting ? POLL_MS : false;
  return waiting ? POLL_MS : LATE_POLL_MS;
}

export function ReassignPanel({ cif }: { cif: string }) {
  const [open, setOpen] = useState(false);
  const regionId = useId();
  return (
    <div className="mt-3 space-y-3">
      <button
        type="button"
        className={secondaryButtonClass}
        aria-expanded={open}
        aria-controls={open ? regionId : undefined}
        onClick={() => setOpen(!open)}
      >
        {open ? "Hide reassignment" : "Reassign"}
      </button>
      {open && (
        <div id={regionId}>
          <ReassignOptions cif={cif} />
        </div>
      )}
    </div>
  );
}

function ReassignOptions({ cif }: { cif: string }) {
  const client = useQueryClient();
  // The latest move requested per pool (agent type), until it is replaced by another.
  const [requests, setRequests] = useState<Record<string, Request>>({});
  const requested = Object.values(requests);
  const tracked: Tracked[] = useQueries({
    queries: requested.map((request) =>
      queryOptions({
        queryKey: requestKey(cif, request.accepted.override_id),
        queryFn: ({ signal }) =>
          api<ReassignmentStatus>(
            `/api/assignments/requests/${encodeURIComponent(request.accepted.override_id)}`,
            { signal },
          ),
        refetchInterval: (query) => pollEvery(request, query.state.data, query.state.error),
      }),
    ),
  }).map((result, n) => ({
    request: requested[n]!,
    status: result.data,
    readAt: Math.max(result.dataUpdatedAt, result.errorUpdatedAt),
    notFound: isNotFound(result.error),
  }));

  const options = useQuery({
    queryKey: optionsKey(cif),
    queryFn: ({ signal }) => api<AssignmentOptions[]>("/api/assignments/options", { query: { cif }, signal }),
    // An applied move shows in the options a moment later: look again every second (a while) until it does.
    refetchInterval: (query) =>
      tracked.some(
        ({ request, status, readAt }) =>
          status?.outcome === "APPLIED" &&
          Date.now() < readAt + AWAIT_MS &&
          !arrived(query.state.data, request),
      )
        ? POLL_MS
        : false,
  });

  // Once per decision: the recent reassignments are read again; a refused move means the pool changed (an
  // agent filled up), an applied one that it did: the options too. Once an applied move shows in the options,
  // the customer page's assignment is read again.
  const acted = useRef(new Map<string, string>());
  const refreshed = useRef(new Set<string>());
  useEffect(() => {
    for (const { request, status } of tracked) {
      const id = request.accepted.override_id;
      const outcome = status?.outcome;
      if (!outcome || outcome === "PENDING") continue;
      if (acted.current.get(id) !== outcome) {
        acted.current.set(id, outcome);
        void client.invalidateQueries({ queryKey: historyKey(cif), exact: true });
        if (outcome === "REFUSED" || outcome === "APPLIED") {
          void client.invalidateQueries({ queryKey: optionsKey(cif), exact: true });
        }
      }
      if (outcome === "APPLIED" && !refreshed.current.has(id) && arrived(options.data, request)) {
        refreshed.current.add(id);
        void client.invalidateQueries({ queryKey: ["customer", cif], exact: true });
      }
    }
  }, [tracked, options.data, client, cif]);

  if (options.isPending) return <Loading label="Loading the agents…" />;
  if (options.isError) return <ErrorState error={options.error} onRetry={() => void options.refetch()} />;
  const names = new Map(
    options.data.flatMap((pool) => pool.agents.map((agent) => [agent.agent_id, agentLabel(agent)] as const)),
  );
  return (
    <div className="space-y-3">
      {options.data.length === 0 ? (
        <p className="text-sm text-slate-600">
          Not in any campaign that needs an agent: there is no one to reassign the customer to.
        </p>
      ) : (
        options.data.map((pool) => (
          <PoolForm
            key={pool.agent_type}
            pool={pool}
            tracked={tracked.find(({ request }) => request.accepted.agent_type === pool.agent_type)}
            onAccepted={(accepted, label) => {
              setRequests((current) => ({
                ...current,
                [accepted.agent_type]: { accepted, label, until: Date.now() + AWAIT_MS },
              }));
              void client.invalidateQueries({ queryKey: historyKey(cif), exact: true });
            }}
            onConflict={() => void client.invalidateQueries({ queryKey: optionsKey(cif) })}
          />
        ))
      )}
      <ReassignmentHistory cif={cif} names={names} />
    </div>
  );
}

function PoolForm({
  pool,
  tracked,
  onAccepted,
  onConflict,
}: {
  pool: AssignmentOptions;
  tracked: Tracked | undefined;
  onAccepted: (accepted: ReassignmentAccepted, label: string) => void;
  onConflict: () => void;
}) {
  const id = useId();
  const [choice, setChoice] = useState<string | null>(null);
  const [note, setNote] = useState("");
  const type = pool.agent_type.toLowerCase();
  const chosen = pool.agents.find((agent) => agent.agent_id === choice && agent.refused === null);
  const current = pool.agents.find((agent) => agent.current || agent.agent_id === pool.agent_id);
  const movable = pool.agents.some((agent) => agent.refused === null);

  const reassign = useMutation({
    mutationFn: (body: ReassignmentCreate) =>
      api<ReassignmentAccepted>("/api/assignments", { method: "POST", body }),
    onSuccess: (accepted) => {
      onAccepted(accepted, chosen ? agentLabel(chosen) : accepted.agent_id);
      setChoice(null);
      setNote("");
    },
    onError: (error) => {
      // The pool changed under the form (an agent filled up, the customer moved): show it as it is now.
      if (error instanceof ApiError && error.status === 409) onConflict();
    },
  });
  const error = reassign.error;
  const noteError = error instanceof ApiError ? error.fieldErrors.note : undefined;

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!chosen || reassign.isPending) return;
    const trimmed = note.trim();
    reassign.mutate({ cif: pool.cif, agent_id: chosen.agent_id, ...(trimmed ? { note: trimmed } : {}) });
  }

  const request = tracked?.request;
  // Past the usual wait: the line says the processors have not read the move yet (or it cannot be read).
  const [late, setLate] = useState(false);
  useEffect(() => {
    setLate(false);
    if (!request) return;
    const timer = window.setTimeout(() => setLate(true), Math.max(0, request.until - Date.now()));
    return () => window.clearTimeout(timer);
  }, [request]);
  const line =
    tracked &&
    statusLine({
      label: tracked.request.label,
      type,
      outcome: tracked.status?.outcome,
      reason: tracked.status?.reason,
      shown: tracked.request.accepted.agent_id === pool.agent_id,
      late,
      lost: late && !tracked.status && tracked.notFound,
    });
  return (
    <form
      onSubmit={submit}
      aria-label={`Reassign the ${type} agent`}
      className="space-y-3 rounded border border-slate-200 p-3"
      noValidate
    >
      <fieldset className="min-w-0 space-y-2">
        <legend className="text-sm font-semibold">
          {type === "call" ? "Call" : "Field"} agent{" "}
          <span className="font-normal text-slate-600">· team {pool.team}</span>
        </legend>
        <p className="text-xs text-slate-600">
          Now: {pool.agent_id ? (current ? agentLabel(current) : pool.agent_id) : "waiting for an agent"}
          {pool.campaign_id && ` · campaign ${pool.campaign_id}`}
        </p>
        {pool.agents.length === 0 ? (
          <p className="text-sm text-slate-600">The pool has no agents.</p>
        ) : (
          <ul className="max-h-64 space-y-1 overflow-y-auto">
            {pool.agents.map((agent, n) => {
              const refused = agent.refused !== null;
              return (
                <li key={agent.agent_id}>
                  <label
                    className={`flex items-start gap-2 rounded px-2 py-1 text-sm ${
                      refused ? "text-slate-500" : "cursor-pointer hover:bg-slate-50"
                    }`}
                  >
                    <input
                      type="radio"
                      name={`${id}-agent`}
                      value={agent.agent_id}
                      className="mt-1 shrink-0"
                      checked={choice === agent.agent_id}
                      disabled={refused}
                      onChange={() => setChoice(agent.agent_id)}
                      aria-labelledby={`${id}-${n}-name`}
                      aria-describedby={`${id}-${n}-detail`}
                    />
                    <span className="min-w-0">
                      <span id={`${id}-${n}-name`} className={refused ? "" : "font-medium"}>
                        {agentLabel(agent)}
                      </span>
                      <span id={`${id}-${n}-detail`} className="block text-xs">
                        {agent.load} of {agent.capacity} customers
                        {agent.refused && (
                          <>
                            {" · "}
                            <span className="text-amber-800">{agent.refused}</span>
                          </>
                        )}
                      </span>
                    </span>
                  </label>
                </li>
              );
            })}
          </ul>
        )}
        {pool.agents.length > 0 && !movable && (
          <p className="text-sm text-slate-600">No agent of the pool can take the customer now.</p>
        )}
      </fieldset>
      <Field label="Note (optional)" error={noteError} hint={`Up to ${NOTE_MAX} characters: why the move.`}>
        {(props) => (
          <textarea
            {...props}
            rows={2}
            maxLength={NOTE_MAX}
            className={inputClass}
            value={note}
            onChange={(event) => setNote(event.target.value)}
          />
        )}
      </Field>
      {error && !noteError && (
        <p role="alert" className="rounded bg-red-50 p-2 text-sm text-red-800">
          {error.message}
        </p>
      )}
      {line && !reassign.isPending && !error && <RequestLine text={line.text} tone={line.tone} />}
      <button type="submit" className={buttonClass} disabled={!chosen || reassign.isPending}>
        {reassign.isPending ? "Requesting…" : "Request reassignment"}
      </button>
    </form>
  );
}

const TONE_CLASSES: Record<Tone, string> = {
  success: "bg-emerald-50 text-emerald-900",
  info: "bg-slate-100 text-slate-800",
  error: "bg-red-50 text-red-800",
};

function RequestLine({ text, tone }: { text: string; tone: Tone }) {
  return (
    <p role={tone === "error" ? "alert" : "status"} className={`rounded p-2 text-sm ${TONE_CLASSES[tone]}`}>
      {text}
    </p>
  );
}
