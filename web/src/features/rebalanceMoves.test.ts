import { describe, expect, it } from "vitest";

import type { ReassignmentOutcome, ReassignmentStatus } from "../api/types";
import {
  AWAIT_MS,
  IDS_PER_READ,
  LATE_POLL_MS,
  POLL_MS,
  anyPending,
  chunks,
  countOutcomes,
  pollDelay,
  summaryParts,
} from "./rebalanceMoves";

const read = (id: string, outcome: ReassignmentOutcome) =>
  ({ override_id: id, outcome }) as ReassignmentStatus;

const sentence = (outcomes: (ReassignmentOutcome | undefined)[], stays = 0) =>
  summaryParts(countOutcomes(outcomes), stays)
    .map((part) => part.text)
    .join("");

describe("chunks", () => {
  it("splits a rebalance's 1,000 moves into runs of at most 200, in order", () => {
    const ids = Array.from({ length: 1000 }, (_, n) => `O-${n}`);
    const runs = chunks(ids);
    expect(IDS_PER_READ).toBe(200);
    expect(runs.map((run) => run.length)).toEqual([200, 200, 200, 200, 200]);
    expect(runs.flat()).toEqual(ids);
    expect(chunks(ids.slice(0, 401)).map((run) => run.length)).toEqual([200, 200, 1]);
    expect(chunks(["a", "b"])).toEqual([["a", "b"]]);
    expect(chunks([])).toEqual([]);
  });
});

describe("anyPending and pollDelay", () => {
  it("counts a move missing from the answer, or not read yet, as pending", () => {
    expect(anyPending(["a", "b"], undefined)).toBe(true);
    expect(anyPending(["a", "b"], [read("a", "APPLIED")])).toBe(true);
    expect(anyPending(["a", "b"], [read("a", "APPLIED"), read("b", "PENDING")])).toBe(true);
    expect(anyPending(["a", "b"], [read("b", "REFUSED"), read("a", "KEPT_FOR_STAY")])).toBe(false);
  });

  it("reads every second for the usual wait, then every few seconds, and not at all once none is pending", () => {
    expect(pollDelay(0, true)).toBe(POLL_MS);
    expect(pollDelay(AWAIT_MS - 1, true)).toBe(1000);
    expect(pollDelay(AWAIT_MS, true)).toBe(LATE_POLL_MS);
    expect(LATE_POLL_MS).toBe(5000);
    expect(pollDelay(0, false)).toBe(false);
    expect(pollDelay(AWAIT_MS * 10, false)).toBe(false);
  });
});

describe("countOutcomes", () => {
  it("counts each outcome; not read yet is pending, an unknown code decided otherwise", () => {
    expect(
      countOutcomes([
        undefined,
        "PENDING",
        "APPLIED",
        "APPLIED",
        "KEPT_FOR_STAY",
        "ALREADY",
        "REFUSED",
        "SUPERSEDED",
        "LATER" as ReassignmentOutcome,
      ]),
    ).toEqual({
      total: 9,
      pending: 2,
      applied: 2,
      kept: 1,
      already: 1,
      refused: 1,
      superseded: 1,
      other: 1,
    });
  });
});

describe("summaryParts", () => {
  it("says the customers are moving while any is pending", () => {
    expect(sentence(["APPLIED", undefined])).toBe("Moving 2 customers; the queues update in a few seconds.");
    expect(sentence(["PENDING"], 1)).toBe(
      "Moving 1 customer; the queues update in a few seconds. 1 customer stays: no other agent of the team " +
        "fits them and has room.",
    );
  });

  it("once all are decided, counts the moved ones and sets the refused apart", () => {
    expect(sentence(["APPLIED", "APPLIED"])).toBe("Moved 2 customers.");
    expect(sentence(["APPLIED"])).toBe("Moved 1 customer.");
    const parts = summaryParts(countOutcomes(["APPLIED", "REFUSED", "APPLIED", "APPLIED"]), 2);
    expect(parts.map((part) => part.text).join("")).toBe(
      "Moved 3 of 4 customers; 1 refused (see below). 2 customers stay: no other agent of the team fits " +
        "them and has room.",
    );
    expect(parts.filter((part) => part.refused).map((part) => part.text)).toEqual(["1 refused (see below)"]);
    expect(sentence(["REFUSED", "REFUSED"])).toBe("Moved 0 of 2 customers; 2 refused (see below).");
  });

  it("names those waiting for their stay, already so or replaced, refused last", () => {
    expect(sentence(["APPLIED", "KEPT_FOR_STAY", "KEPT_FOR_STAY"])).toBe(
      "Moved 1 of 3 customers; 2 waiting for their stay.",
    );
    expect(sentence(["ALREADY", "REFUSED", "SUPERSEDED", "KEPT_FOR_STAY", "APPLIED"])).toBe(
      "Moved 1 of 5 customers; 1 waiting for their stay, 1 already with that agent, 1 replaced by a later " +
        "reassignment, 1 refused (see below).",
    );
    expect(summaryParts(countOutcomes(["ALREADY"]), 0).some((part) => part.refused)).toBe(false);
  });

  it("says no customer was moved when there were no moves", () => {
    expect(sentence([], 10)).toBe(
      "No customer was moved. 10 customers stay: no other agent of the team fits them and has room.",
    );
  });
});
