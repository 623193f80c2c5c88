// Moving a customer to another agent by hand (supervisors and admins): one small form per pool the customer is
// in (a call agent, a field agent), listing the pool's agents from GET /api/assignments/options, those the
// customer cannot go to greyed with the reason. The API accepts the move (202) and a stream processor applies
// it within seconds: the options are read again every second until they show the new agent, and then the
// customer page is refreshed (a live queue event refreshes both too, under the "customer" key).

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState, type FormEvent } from "react";

import { ApiError, api } from "../api/client";
import type { AgentChoice, AssignmentOptions, ReassignmentAccepted, ReassignmentCreate } from "../api/types";
import { Field, buttonClass, inputClass, secondaryButtonClass } from "../components/Field";
import { ErrorState, Loading } from "../components/States";

const NOTE_MAX = 500;
/** How long to look again for a requested move to show (the processor takes seconds). */
const AWAIT_MS = 30_000;

/** Under the customer's key, so that what refreshes the customer page refreshes these too. */
export const optionsKey = (cif: string) => ["customer", cif, "assignment-options"];

export const agentLabel = (agent: Pick<AgentChoice, "agent_id" | "name">) =>
  agent.name && agent.name !== agent.agent_id ? `${agent.name} (${agent.agent_id})` : agent.agent_id;

interface Request {
  accepted: ReassignmentAccepted;
  label: string;
  until: number;
}

const poolOf = (pools: AssignmentOptions[] | undefined, agentType: string) =>
  pools?.find((pool) => pool.agent_type === agentType);

const arrived = (pools: AssignmentOptions[] | undefined, request: Request) =>
  poolOf(pools, request.accepted.agent_type)?.agent_id === request.accepted.agent_id;

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
  // The latest move requested per pool (agent type), until it shows or is replaced by another.
  const [requests, setRequests] = useState<Record<string, Request>>({});
  const options = useQuery({
    queryKey: optionsKey(cif),
    queryFn: ({ signal }) => api<AssignmentOptions[]>("/api/assignments/options", { query: { cif }, signal }),
    refetchInterval: (query) =>
      Object.values(requests).some(
        (request) => Date.now() < request.until && !arrived(query.state.data, request),
      )
        ? 1000
        : false,
  });

  // Once a move shows in the options, the customer page's assignment is read again (once per move).
  const refreshed = useRef(new Set<string>());
  useEffect(() => {
    for (const request of Object.values(requests)) {
      const id = request.accepted.override_id;
      if (refreshed.current.has(id) || !arrived(options.data, request)) continue;
      refreshed.current.add(id);
      void client.invalidateQueries({ queryKey: ["customer", cif], exact: true });
    }
  }, [options.data, requests, client, cif]);

  if (options.isPending) return <Loading label="Loading the agents…" />;
  if (options.isError) return <ErrorState error={options.error} onRetry={() => void options.refetch()} />;
  if (options.data.length === 0) {
    return (
      <p className="text-sm text-slate-600">
        Not in any campaign that needs an agent: there is no one to reassign the customer to.
      </p>
    );
  }
  return (
    <div className="space-y-3">
      {options.data.map((pool) => (
        <PoolForm
          key={pool.agent_type}
          pool={pool}
          request={requests[pool.agent_type]}
          onAccepted={(accepted, label) =>
            setRequests((current) => ({
              ...current,
              [accepted.agent_type]: { accepted, label, until: Date.now() + AWAIT_MS },
            }))
          }
          onConflict={() => void client.invalidateQueries({ queryKey: optionsKey(cif) })}
        />
      ))}
    </div>
  );
}

function PoolForm({
  pool,
  request,
  onAccepted,
  onConflict,
}: {
  pool: AssignmentOptions;
  request: Request | undefined;
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

  const done = request && request.accepted.agent_id === pool.agent_id;
  // Past the wait without the move showing: the processor is behind, or the agent filled up meanwhile.
  const [late, setLate] = useState(false);
  useEffect(() => {
    setLate(false);
    if (!request || done) return;
    const timer = window.setTimeout(() => setLate(true), Math.max(0, request.until - Date.now()));
    return () => window.clearTimeout(timer);
  }, [request, done]);
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
      {request && !reassign.isPending && !error && (
        <p role="status" className="rounded bg-emerald-50 p-2 text-sm text-emerald-900">
          {done
            ? `${request.label} is now the customer's ${type} agent.`
            : late
              ? `The move to ${request.label} has not shown yet: the processors may be behind, or the agent ` +
                "filled up meanwhile (then nothing moves). The assignment history shows what happened."
              : `Reassignment to ${request.label} requested; the queue updates in a few seconds.`}
        </p>
      )}
      <button type="submit" className={buttonClass} disabled={!chosen || reassign.isPending}>
        {reassign.isPending ? "Requesting…" : "Request reassignment"}
      </button>
    </form>
  );
}
