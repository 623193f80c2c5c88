// Rebalancing an agent's queue (supervisors and admins): POST /api/assignments/rebalance moves up to N of the
// agent's customers, most recently given first, each to the least loaded other agent of the pool with room.
// A stream processor decides the moves within seconds: the result follows each one (RebalanceResult). Live
// queue events refresh the queues, and the queue is read again a few seconds after the answer in case the live
// stream is down, and once all the moves are decided.

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";

import { api } from "../api/client";
import type { RebalanceAccepted, RebalanceCreate } from "../api/types";
import { Card } from "../components/Card";
import { ConfirmButton } from "../components/ConfirmButton";
import { Field, inputBaseClass, inputClass } from "../components/Field";
import { formatCount } from "../lib/format";
import { RebalanceResult } from "./RebalanceResult";

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
        {answered && (
          <RebalanceResult key={rebalance.submittedAt} result={answered} since={rebalance.submittedAt} />
        )}
      </div>
    </Card>
  );
}
