// Rebalancing an agent's queue (supervisors and admins): POST /api/assignments/rebalance moves up to N of the
// agent's customers, most recently given first, each to the least loaded other agent of the pool with room.
// The moves are applied by a stream processor within seconds; live queue events refresh the queues, and the
// queue is read again a few seconds after the answer in case the live stream is down.

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Link } from "react-router-dom";

import { api } from "../api/client";
import type { RebalanceAccepted, RebalanceCreate } from "../api/types";
import { Card } from "../components/Card";
import { ConfirmButton } from "../components/ConfirmButton";
import { Field, inputBaseClass, inputClass } from "../components/Field";
import { formatCount } from "../lib/format";
import { customerPath } from "../routes";

const MAX_COUNT = 1000;
const NOTE_MAX = 500;
const REFRESH_AFTER_MS = 3000;

function countProblem(text: string): string | undefined {
  const count = Number(text);
  if (!/^\d+$/.test(text.trim()) || count < 1 || count > MAX_COUNT) {
    return `A whole number from 1 to ${formatCount(MAX_COUNT)}.`;
  }
  return undefined;
}

const customers = (n: number) => `${formatCount(n)} customer${n === 1 ? "" : "s"}`;

export function RebalancePanel({ agentId }: { agentId: string }) {
  const client = useQueryClient();
  const [count, setCount] = useState("10");
  const [note, setNote] = useState("");
  const rebalance = useMutation({
    mutationFn: (body: RebalanceCreate) =>
      api<RebalanceAccepted>("/api/assignments/rebalance", { method: "POST", body }),
  });
  const problem = countProblem(count);

  // The queues change a moment after the API accepted the moves.
  const answered = rebalance.data;
  useEffect(() => {
    if (!answered || answered.moves.length === 0) return;
    const timer = window.setTimeout(
      () => void client.invalidateQueries({ queryKey: ["queue"] }),
      REFRESH_AFTER_MS,
    );
    return () => window.clearTimeout(timer);
  }, [answered, client]);

  function confirm() {
    if (problem) return;
    const trimmed = note.trim();
    rebalance.mutate({ agent_id: agentId, count: Number(count), ...(trimmed ? { note: trimmed } : {}) });
  }

  return (
    <Card title="Rebalance" id="rebalance-title">
      <div className="space-y-3">
        <p className="text-sm text-slate-600">
          Moves this agent&apos;s most recently given customers to the least loaded other agents of the team
          who fit them and have room.
        </p>
        <div className="grid gap-3 sm:grid-cols-[auto_1fr]">
          <Field label="Customers to move (at most)" error={problem} hint={`1 to ${formatCount(MAX_COUNT)}.`}>
            {(props) => (
              <input
                {...props}
                type="number"
                inputMode="numeric"
                min={1}
                max={MAX_COUNT}
                step={1}
                className={`${inputBaseClass} w-32`}
                value={count}
                onChange={(event) => setCount(event.target.value)}
              />
            )}
          </Field>
          <Field label="Note (optional)">
            {(props) => (
              <input
                {...props}
                type="text"
                maxLength={NOTE_MAX}
                className={inputClass}
                value={note}
                onChange={(event) => setNote(event.target.value)}
              />
            )}
          </Field>
        </div>
        <ConfirmButton
          label="Rebalance"
          question={`Move up to ${formatCount(Number(count))} of ${agentId}'s customers to other agents?`}
          confirmLabel="Move customers"
          onConfirm={confirm}
          disabled={Boolean(problem) || rebalance.isPending}
          tone="neutral"
        />
        {rebalance.isPending && (
          <p role="status" className="text-sm text-slate-600">
            Requesting…
          </p>
        )}
        {rebalance.isError && (
          <p role="alert" className="rounded bg-red-50 p-2 text-sm text-red-800">
            {rebalance.error.message}
          </p>
        )}
        {answered && <RebalanceResult result={answered} />}
      </div>
    </Card>
  );
}

function RebalanceResult({ result }: { result: RebalanceAccepted }) {
  const moved = result.moves.length;
  return (
    <div role="status" className="space-y-2 rounded bg-emerald-50 p-2 text-sm text-emerald-900">
      <p>
        {moved ? `Moving ${customers(moved)}; the queues update in a few seconds.` : "No customer was moved."}
        {result.stays > 0 &&
          ` ${customers(result.stays)} ${result.stays === 1 ? "stays" : "stay"}: no other agent of the team ` +
            "fits them and has room."}
      </p>
      {moved > 0 && (
        <ul aria-label="Moved customers" className="max-h-48 overflow-y-auto text-xs tabular-nums">
          {result.moves.map((move) => (
            <li key={move.override_id}>
              <Link to={customerPath(move.cif)} className="text-brand-700 hover:underline">
                {move.cif}
              </Link>{" "}
              → {move.agent_id}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
