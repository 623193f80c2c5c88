// Reassignments as a supervisor reads them: the query keys, the outcome of a request as a word, and the line
// the reassignment form shows while a requested move is decided (GET /api/assignments/requests/{id}).

import type { AgentChoice, ReassignmentOutcome } from "../api/types";

/** Under the customer's key, so that what refreshes the customer page refreshes these too. */
export const optionsKey = (cif: string) => ["customer", cif, "assignment-options"];
export const historyKey = (cif: string) => ["customer", cif, "reassignments"];
export const requestKey = (cif: string, overrideId: string) => ["customer", cif, "reassignment", overrideId];
/** Reassignments read by id (a rebalance's moves, a chunk at a time). */
export const requestsKey = (overrideIds: readonly string[]) => ["reassignments", ...overrideIds];

export const agentLabel = (agent: Pick<AgentChoice, "agent_id" | "name">) =>
  agent.name && agent.name !== agent.agent_id ? `${agent.name} (${agent.agent_id})` : agent.agent_id;

const OUTCOME_LABELS: Record<ReassignmentOutcome, string> = {
  PENDING: "Pending",
  APPLIED: "Applied",
  KEPT_FOR_STAY: "Waiting for stay",
  ALREADY: "Already so",
  REFUSED: "Refused",
  SUPERSEDED: "Superseded",
};

/** A code this build does not know yet is shown as it came. */
export const outcomeLabel = (outcome: string): string =>
  OUTCOME_LABELS[outcome as ReassignmentOutcome] ?? outcome;

export type Tone = "success" | "info" | "error";

export interface StatusLine {
  text: string;
  /** "error" is an alert (nothing moved); the others are a status. */
  tone: Tone;
}

export interface RequestState {
  /** The agent asked for, as the form names them. */
  label: string;
  /** "call" or "field". */
  type: string;
  /** What the processor decided; undefined while its status cannot be read (not there yet). */
  outcome: ReassignmentOutcome | undefined;
  reason: string | null | undefined;
  /** The assignment options show the agent asked for. */
  shown: boolean;
  /** Past the usual wait. */
  late: boolean;
  /** The status could not be read all through the wait: the polling gave up. */
  lost: boolean;
}

/** The line under the form for the latest requested move of its pool. */
export function statusLine({ label, type, outcome, reason, shown, late, lost }: RequestState): StatusLine {
  switch (outcome) {
    case "APPLIED":
      return shown
        ? { text: `${label} is now the customer's ${type} agent.`, tone: "success" }
        : { text: `The move to ${label} was applied; the page is updating.`, tone: "success" };
    case "KEPT_FOR_STAY":
      return {
        text: `${label} will take the customer when their next stay in the pool begins.`,
        tone: "info",
      };
    case "ALREADY":
      return { text: `${label} was the customer's ${type} agent already; nothing moved.`, tone: "info" };
    case "REFUSED": {
      const why = reason?.trim().replace(/\.+$/, "");
      return {
        text: `The move to ${label} was refused${why ? `: ${why}` : ""}. Nothing moved.`,
        tone: "error",
      };
    }
    case "SUPERSEDED":
      return { text: `The move to ${label} was replaced by a later reassignment.`, tone: "info" };
    default:
      if (lost) {
        return {
          text: `What became of the move to ${label} cannot be read now; the recent reassignments show it.`,
          tone: "info",
        };
      }
      return late
        ? {
            text:
              `Reassignment to ${label} requested, but the processors have not read it yet (they may be ` +
              "behind). This updates once they decide it.",
            tone: "info",
          }
        : {
            text: `Reassignment to ${label} requested; the queue updates in a few seconds.`,
            tone: "success",
          };
  }
}
