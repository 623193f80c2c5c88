import { expect, test } from "vitest";

import { DICTIONARIES } from "../../test/fixtures";
import {
  DICTIONARY_NAMES,
  completeRows,
  dictionaryProblems,
  entriesOf,
  moved,
  rowsOf,
  serverProblems,
  withCaseStates,
  type Row,
  type Rows,
} from "./dictionaryDraft";

test("rows keep their ids for the same lists and go back to the API's shape, trimmed", () => {
  const rows = rowsOf(DICTIONARIES);
  expect(rowsOf(DICTIONARIES)).toEqual(rows);
  rows.action_types[1] = { ...rows.action_types[1]!, code: " POST ", label: " Letter " };
  expect(entriesOf(rows).action_types).toEqual([
    { code: "CALL", label: "Call" },
    { code: "POST", label: "Letter" },
  ]);
});

test("moving a row swaps it with its neighbour; the ends stay put", () => {
  expect(moved(["a", "b", "c"], 1, -1)).toEqual(["b", "a", "c"]);
  expect(moved(["a", "b", "c"], 1, 1)).toEqual(["a", "c", "b"]);
  const list = ["a", "b"];
  expect(moved(list, 0, -1)).toBe(list);
  expect(moved(list, 1, 1)).toBe(list);
});

test("the API's rules: codes A-Z 0-9 _ up to 40, once per dictionary; labels 1-200; no empty dictionary", () => {
  const rows = rowsOf(DICTIONARIES);
  const first = rows.action_results[0]!;
  const second = rows.action_results[1]!;
  rows.action_results = [first, { ...second, code: "PROMISE_TO_PAY", label: "x".repeat(201) }];
  rows.action_types = [{ ...rows.action_types[0]!, code: "A".repeat(41) }];
  expect(dictionaryProblems(rows)).toEqual({
    segments: "Keep at least one entry in Customer segments",
    customer_statuses: "Keep at least one entry in Customer statuses",
    [`action_types.${rows.action_types[0]!.id}.code`]:
      "A code has capital letters A–Z, digits and _ only (no spaces), at most 40 characters",
    [`action_results.${second.id}.code`]: "PROMISE_TO_PAY appears twice in Action results",
    [`action_results.${second.id}.label`]: "A label has at most 200 characters",
  });
});

test("the API's 422 lands at the dictionary, or at the row sent at its index", () => {
  const rows = rowsOf(DICTIONARIES);
  const { problems, elsewhere } = serverProblems(
    {
      "dictionaries.action_results": "DISPUTE cannot be removed",
      "dictionaries.action_types.1.code": "bad code",
      "dictionaries.action_types.9.code": "no such row",
      version: "expected an integer",
    },
    rows,
  );
  expect(problems).toEqual({
    action_results: "DISPUTE cannot be removed",
    [`action_types.${rows.action_types[1]!.id}.code`]: "bad code",
    action_types: "no such row",
  });
  expect(elsewhere).toEqual(["version: expected an integer"]);
});

test("a draft without the dictionaries added since takes theirs from the saved lists", () => {
  const saved = rowsOf(DICTIONARIES);
  const { case_states: _states, recovery_abilities: _abilities, ...older } = rowsOf(DICTIONARIES);
  older.segments = [{ id: "new-1", code: "VIP", label: "VIP", was: null, states: [] }];
  const rows = completeRows(older, saved);
  expect(Object.keys(rows)).toEqual(DICTIONARY_NAMES);
  expect(rows.segments).toBe(older.segments);
  expect(rows.case_states).toBe(saved.case_states);
  expect(entriesOf(rows).recovery_abilities).toEqual(DICTIONARIES.recovery_abilities);
});

test("a draft from before the case substates takes them from the saved lists, in API order", () => {
  const saved = rowsOf(DICTIONARIES);
  const { case_substates: _substates, ...older } = rowsOf(DICTIONARIES);
  older.case_states = [
    ...older.case_states,
    { id: "new-1", code: "HARDSHIP", label: "Hardship", was: null, states: [] },
  ];
  const rows = completeRows(older, saved);
  expect(Object.keys(rows)).toEqual(DICTIONARY_NAMES);
  expect(DICTIONARY_NAMES.indexOf("case_substates")).toBe(DICTIONARY_NAMES.indexOf("case_states") + 1);
  expect(rows.case_states).toBe(older.case_states);
  expect(rows.case_substates).toBe(saved.case_substates);
  expect(Object.keys(entriesOf(rows))).toEqual([
    "action_types",
    "action_subtypes",
    "action_results",
    "segments",
    "customer_statuses",
    "case_states",
    "case_substates",
    "recovery_abilities",
  ]);
  expect(entriesOf(rows).case_substates).toEqual(DICTIONARIES.case_substates);
});

const states = (rows: Rows) => rows.case_substates.map((row) => row.states);
const stateRow = (id: string, code: string): Row => ({ id, code, label: code, was: null, states: [] });
/** The case-state row `id`'s code typed as `codes`, one after the other. */
const typed = (rows: Rows, id: string, ...codes: string[]) =>
  codes.reduce(
    (next, code) =>
      withCaseStates(
        next,
        next.case_states.map((row) => (row.id === id ? { ...row, code } : row)),
      ),
    rows,
  );

test("a substate's states load with it; only the substates send states, once each, in case-state order", () => {
  const rows = rowsOf(DICTIONARIES);
  expect(states(rows)).toEqual([
    ["CONTACTING", "NEGOTIATING"],
    ["NEGOTIATING", "PAYMENT_PLAN"],
    ["NEGOTIATING"],
    [],
  ]);
  expect(rows.case_states[0]!.states).toEqual([]);
  expect(entriesOf(rows)).toEqual(DICTIONARIES);
  expect(entriesOf(rows).case_states[0]).toEqual({ code: "NEW", label: "New" });

  rows.case_substates[0] = { ...rows.case_substates[0]!, states: ["NEGOTIATING", " NEW ", "NEGOTIATING"] };
  rows.case_substates[3] = { ...rows.case_substates[3]!, states: ["GONE", "PAYMENT_PLAN"] };
  expect(entriesOf(rows).case_substates.map((entry) => entry.states)).toEqual([
    ["NEW", "NEGOTIATING"],
    ["NEGOTIATING", "PAYMENT_PLAN"],
    ["NEGOTIATING"],
    ["PAYMENT_PLAN", "GONE"],
  ]);
});

test("a draft whose rows have no states (stored before the substates named them) loads them as any state", () => {
  const saved = rowsOf(DICTIONARIES);
  const stored = Object.fromEntries(
    Object.entries(rowsOf(DICTIONARIES)).map(([name, list]) => [
      name,
      list.map(({ states: _states, ...row }) => row),
    ]),
  );
  const rows = completeRows(stored, saved);
  expect(Object.keys(rows)).toEqual(DICTIONARY_NAMES);
  for (const name of DICTIONARY_NAMES) expect(rows[name].every((row) => row.states.length === 0)).toBe(true);
  expect(entriesOf(rows).case_substates.map((entry) => entry.states)).toEqual([[], [], [], []]);
  expect(entriesOf(rows).case_states).toEqual(DICTIONARIES.case_states);
});

test("the substates follow a case state renamed, keystroke by keystroke, and lose one removed", () => {
  let rows = rowsOf(DICTIONARIES);
  const [, contacting, negotiating] = rows.case_states;
  // NEGOTIATING typed over: cut to N, emptied, then TALKS
  rows = typed(rows, negotiating!.id, "N", "", "T", "TALKS");
  expect(states(rows)).toEqual([["CONTACTING", "TALKS"], ["TALKS", "PAYMENT_PLAN"], ["TALKS"], []]);
  expect(entriesOf(rows).case_substates[0]!.states).toEqual(["CONTACTING", "TALKS"]);

  const before = rows;
  rows = withCaseStates(
    rows,
    rows.case_states.filter((row) => row.id !== contacting!.id),
  );
  expect(states(rows)).toEqual([["TALKS"], ["TALKS", "PAYMENT_PLAN"], ["TALKS"], []]);
  expect(rows.case_substates[1]).toBe(before.case_substates[1]); // untouched rows stay as they were
  expect(dictionaryProblems(rows).case_substates).toBeUndefined();

  // a move changes no code: nothing follows
  expect(withCaseStates(rows, moved(rows.case_states, 0, 1)).case_substates).toBe(rows.case_substates);
});

test("a code two case states share for a moment: the substates keep naming the one they were ticked for", () => {
  let rows = rowsOf(DICTIONARIES);
  rows = {
    ...rows,
    case_substates: rows.case_substates.map((row, index) => ({ ...row, states: index ? [] : ["NEW"] })),
  };
  // a new state typed as NEW_PROMISE passes through NEW, which the first substate names
  const added = stateRow("new-1", "");
  rows = withCaseStates(rows, [...rows.case_states, added]);
  rows = typed(rows, added.id, "N", "NE", "NEW", "NEW_", "NEW_PROMISE");
  expect(states(rows)[0]).toEqual(["NEW"]);

  // both ticked: each keeps its own
  rows.case_substates[0] = { ...rows.case_substates[0]!, states: ["NEW", "NEW_PROMISE"] };
  rows = typed(rows, added.id, "NEW_", "NEW");
  expect(states(rows)[0]).toEqual(["NEW", "NEW"]);
  expect(entriesOf(rows).case_substates[0]!.states).toEqual(["NEW"]);
  rows = typed(rows, added.id, "NEW_PLAN");
  expect(states(rows)[0]).toHaveLength(2);
  expect(entriesOf(rows).case_substates[0]!.states).toEqual(["NEW", "NEW_PLAN"]);
});

test("a substate naming a code no case-state row has is refused at the substates, worded like the API", () => {
  const rows = rowsOf(DICTIONARIES);
  rows.case_states = rows.case_states.filter((row) => row.code !== "NEGOTIATING");
  expect(dictionaryProblems(rows)).toEqual({
    segments: "Keep at least one entry in Customer segments",
    customer_statuses: "Keep at least one entry in Customer statuses",
    case_substates:
      "NEGOTIATING is not a case state (substate AWAITING_CALLBACK); " +
      "NEGOTIATING is not a case state (substate AWAITING_DOCUMENTS); " +
      "NEGOTIATING is not a case state (substate PLAN_PROPOSED)",
  });
});
