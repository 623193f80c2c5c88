import { describe, expect, it } from "vitest";

import { agentLabel, historyKey, optionsKey, outcomeLabel, requestKey, statusLine } from "./reassignment";

const base = {
  label: "Chi (A-3)",
  type: "call",
  outcome: undefined,
  reason: null,
  shown: false,
  late: false,
  lost: false,
} as const;

describe("outcomeLabel", () => {
  it("names each outcome as a supervisor reads it, and shows an unknown code as it came", () => {
    expect(
      ["PENDING", "APPLIED", "KEPT_FOR_STAY", "ALREADY", "REFUSED", "SUPERSEDED", "LATER_CODE"].map(
        outcomeLabel,
      ),
    ).toEqual([
      "Pending",
      "Applied",
      "Waiting for stay",
      "Already so",
      "Refused",
      "Superseded",
      "LATER_CODE",
    ]);
  });
});

describe("statusLine", () => {
  it("says a move not decided yet was requested, and after the wait that it has not been read", () => {
    expect(statusLine(base)).toEqual({
      text: "Reassignment to Chi (A-3) requested; the queue updates in a few seconds.",
      tone: "success",
    });
    expect(statusLine({ ...base, outcome: "PENDING" }).text).toBe(statusLine(base).text);
    const late = statusLine({ ...base, outcome: "PENDING", late: true });
    expect(late.text).toBe(
      "Reassignment to Chi (A-3) requested, but the processors have not read it yet (they may be behind). " +
        "This updates once they decide it.",
    );
    expect(late.tone).toBe("info");
    expect(statusLine({ ...base, late: true, lost: true }).text).toMatch(/cannot be read now/);
  });

  it("says an applied move is done once the options show it, and that the page is updating until then", () => {
    expect(statusLine({ ...base, outcome: "APPLIED", shown: true })).toEqual({
      text: "Chi (A-3) is now the customer's call agent.",
      tone: "success",
    });
    expect(statusLine({ ...base, outcome: "APPLIED" }).text).toBe(
      "The move to Chi (A-3) was applied; the page is updating.",
    );
    // Decided: neither being late nor the status having been missing before changes it.
    expect(statusLine({ ...base, outcome: "APPLIED", shown: true, late: true, lost: true }).text).toBe(
      "Chi (A-3) is now the customer's call agent.",
    );
  });

  it("says a refused move and why as an error, with or without a reason", () => {
    expect(statusLine({ ...base, outcome: "REFUSED", reason: "full (3 of 3)" })).toEqual({
      text: "The move to Chi (A-3) was refused: full (3 of 3). Nothing moved.",
      tone: "error",
    });
    expect(statusLine({ ...base, outcome: "REFUSED", reason: "not in the pool." }).text).toBe(
      "The move to Chi (A-3) was refused: not in the pool. Nothing moved.",
    );
    expect(statusLine({ ...base, outcome: "REFUSED" }).text).toBe(
      "The move to Chi (A-3) was refused. Nothing moved.",
    );
  });

  it("says what the other outcomes mean", () => {
    expect(statusLine({ ...base, outcome: "KEPT_FOR_STAY" })).toEqual({
      text: "Chi (A-3) will take the customer when their next stay in the pool begins.",
      tone: "info",
    });
    expect(statusLine({ ...base, outcome: "ALREADY", type: "field", shown: true }).text).toBe(
      "Chi (A-3) was the customer's field agent already; nothing moved.",
    );
    expect(statusLine({ ...base, outcome: "SUPERSEDED", reason: "replaced by O-9" }).text).toBe(
      "The move to Chi (A-3) was replaced by a later reassignment.",
    );
  });
});

describe("keys and labels", () => {
  it("keeps every key under the customer's, so that refreshing the customer refreshes them", () => {
    for (const key of [optionsKey("C1"), historyKey("C1"), requestKey("C1", "O-1")]) {
      expect(key.slice(0, 2)).toEqual(["customer", "C1"]);
    }
    expect(requestKey("C1", "O-1")).not.toEqual(requestKey("C1", "O-2"));
  });

  it("names an agent with the id, or by the id alone", () => {
    expect(agentLabel({ agent_id: "A-3", name: "Chi" })).toBe("Chi (A-3)");
    expect(agentLabel({ agent_id: "A-3", name: "A-3" })).toBe("A-3");
  });
});
