// A rebalance's moves as the panel follows them: their ids read in chunks the API takes, how often while any
// is pending, and the summary sentence once the allocation processor has decided them.

import type { ReassignmentOutcome, ReassignmentStatus } from "../api/types";
import { countOf, formatCount } from "../lib/format";

/** The most ids GET /api/assignments/requests takes in one request. */
export const IDS_PER_READ = 200;
/** How long a move usually takes to be decided; then the statuses are read less often. */
export const AWAIT_MS = 30_000;
export const POLL_MS = 1000;
export const LATE_POLL_MS = 5000;

export const customers = (n: number) => countOf(n, "customer");

/** `items` in order, in runs of at most `size`. */
export function chunks<T>(items: readonly T[], size = IDS_PER_READ): T[][] {
  const runs: T[][] = [];
  for (let start = 0; start < items.length; start += size) runs.push(items.slice(start, start + size));
  return runs;
}

/** Whether any of `ids` is still pending: PENDING, or missing from the answer (not there yet). */
export function anyPending(
  ids: readonly string[],
  statuses: readonly ReassignmentStatus[] | undefined,
): boolean {
  const read = new Map(statuses?.map((status) => [status.override_id, status.outcome]));
  return ids.some((id) => (read.get(id) ?? "PENDING") === "PENDING");
}

/** Every second while some are pending, every few seconds past the usual wait; none pending: no more. */
export function pollDelay(elapsedMs: number, pending: boolean): number | false {
  if (!pending) return false;
  return elapsedMs < AWAIT_MS ? POLL_MS : LATE_POLL_MS;
}

export interface MoveCounts {
  total: number;
  pending: number;
  applied: number;
  /** KEPT_FOR_STAY: moved when the customer's stay begins. */
  kept: number;
  already: number;
  refused: number;
  superseded: number;
  /** A code this build does not know yet. */
  other: number;
}

const COUNTED: Record<ReassignmentOutcome, keyof MoveCounts> = {
  PENDING: "pending",
  APPLIED: "applied",
  KEPT_FOR_STAY: "kept",
  ALREADY: "already",
  REFUSED: "refused",
  SUPERSEDED: "superseded",
};

/** `undefined`: not read yet, so pending. */
export function countOutcomes(outcomes: readonly (ReassignmentOutcome | undefined)[]): MoveCounts {
  const counts: MoveCounts = {
    total: 0,
    pending: 0,
    applied: 0,
    kept: 0,
    already: 0,
    refused: 0,
    superseded: 0,
    other: 0,
  };
  for (const outcome of outcomes) {
    counts.total += 1;
    counts[COUNTED[outcome ?? "PENDING"] ?? "other"] += 1;
  }
  return counts;
}

/** A piece of the summary; `refused` ones are set apart (not success-green). */
export interface SummaryPart {
  text: string;
  refused?: boolean;
}

/** The result's sentence, as pieces to show in order; `stays`: the customers no other agent could take. */
export function summaryParts(counts: MoveCounts, stays: number): SummaryPart[] {
  const parts: SummaryPart[] = [];
  const { total } = counts;
  if (total === 0) parts.push({ text: "No customer was moved." });
  else if (counts.pending > 0) {
    parts.push({ text: `Moving ${customers(total)}; the queues update in a few seconds.` });
  } else {
    const lead =
      counts.applied === total
        ? `Moved ${customers(total)}`
        : `Moved ${formatCount(counts.applied)} of ${customers(total)}`;
    const others = [
      counts.kept && `${formatCount(counts.kept)} waiting for their stay`,
      counts.already && `${formatCount(counts.already)} already with that agent`,
      counts.superseded && `${formatCount(counts.superseded)} replaced by a later reassignment`,
      counts.other && `${formatCount(counts.other)} decided otherwise`,
    ].filter(Boolean);
    const refused = counts.refused ? `${formatCount(counts.refused)} refused (see below)` : "";
    const clauses = others.join(", ") + (others.length && refused ? ", " : "");
    parts.push({ text: lead + (clauses || refused ? `; ${clauses}` : "") });
    if (refused) parts.push({ text: refused, refused: true });
    parts.push({ text: "." });
  }
  if (stays > 0) {
    parts.push({
      text:
        ` ${customers(stays)} ${stays === 1 ? "stays" : "stay"}: no other agent of the team fits them and ` +
        "has room.",
    });
  }
  return parts;
}
