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
  older.segments = [{ id: "new-1", code: "VIP", label: "VIP", was: null }];
  const rows = completeRows(older, saved);
  expect(Object.keys(rows)).toEqual(DICTIONARY_NAMES);
  expect(rows.segments).toBe(older.segments);
  expect(rows.case_states).toBe(saved.case_states);
  expect(entriesOf(rows).recovery_abilities).toEqual(DICTIONARIES.recovery_abilities);
});

test("a draft from before the case substates takes them from the saved lists, in API order", () => {
  const saved = rowsOf(DICTIONARIES);
  const { case_substates: _substates, ...older } = rowsOf(DICTIONARIES);
  older.case_states = [...older.case_states, { id: "new-1", code: "HARDSHIP", label: "Hardship", was: null }];
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
