// Editing the code dictionaries: pure helpers over the API's DictionariesPublic shape (the rows the form
// edits, the checks the API makes, its 422 answers placed at their dictionary), so they are tested alone.

import type { FieldErrors } from "../../api/client";
import type { Dictionaries, DictionaryEntry, SubstateEntry } from "../../api/types";

export type DictionaryName = keyof Dictionaries;

/** The dictionaries in form order, with the title of each section. */
export const DICTIONARY_TITLES: Record<DictionaryName, string> = {
  action_types: "Action types",
  action_subtypes: "Action directions",
  action_results: "Action results",
  segments: "Customer segments",
  customer_statuses: "Customer statuses",
  case_states: "Case states",
  case_substates: "Case substates",
  recovery_abilities: "Recovery abilities",
};
export const DICTIONARY_NAMES = Object.keys(DICTIONARY_TITLES) as DictionaryName[];

/** The dictionary whose entries name the case states (codes of `case_states`) they go with. */
export const WITH_STATES = "case_substates" satisfies DictionaryName;

// domain/dictionaries.py: CODE_PATTERN and MAX_LABEL.
const CODE = /^[A-Z0-9_]{1,40}$/;
export const MAX_LABEL = 200;

/**
 * One row of the form: `id` keeps its inputs across moves, `was` is its code as saved (null: a new row), so
 * the form can say that actions already recorded keep the old code, and which rows are protected.
 * `states`: a case substate's case state codes (none: any state); `[]` in the other dictionaries.
 */
export interface Row {
  id: string;
  code: string;
  label: string;
  was: string | null;
  states: string[];
}

export type Rows = Record<DictionaryName, Row[]>;

/** A row as a stored draft may hold it: one stored by an older page has no `states`. */
export type StoredRow = Omit<Row, "states"> & { states?: string[] };

/** The form's rows for saved dictionaries; the ids are the same on every call for the same lists. */
export function rowsOf(dictionaries: Dictionaries): Rows {
  return Object.fromEntries(
    DICTIONARY_NAMES.map((name) => [
      name,
      (dictionaries[name] ?? []).map((entry, index) => ({
        id: `${name}-${index}`,
        code: entry.code,
        label: entry.label,
        was: entry.code,
        states: "states" in entry ? [...(entry.states ?? [])] : [],
      })),
    ]),
  ) as Rows;
}

/**
 * Rows with every dictionary: a draft stored by an older page lacks the dictionaries added since (it had
 * five, or seven before the case substates); those are taken from `saved` (the server's lists), so the
 * draft loads and saves every list. Its rows without `states` (stored before the substates named their
 * states) go with any state (`[]`), as the lists they were based on did.
 */
export function completeRows(rows: Partial<Record<DictionaryName, StoredRow[]>>, saved: Rows): Rows {
  const withStates = (list: StoredRow[]): Row[] =>
    list.every((row) => Array.isArray(row.states))
      ? (list as Row[])
      : list.map((row) => ({ ...row, states: Array.isArray(row.states) ? row.states : [] }));
  return Object.fromEntries(
    DICTIONARY_NAMES.map((name) => {
      const list = rows[name];
      return [name, list ? withStates(list) : saved[name]];
    }),
  ) as Rows;
}

let added = 0;

/** An empty row, as "Add" appends it. */
export function newRow(): Row {
  added += 1;
  return { id: `new-${Date.now().toString(36)}-${added}`, code: "", label: "", was: null, states: [] };
}

/**
 * A substate's states as the API takes them: once each, in the order of the case-state rows (then any code
 * that no case-state row has, which `dictionaryProblems` reports).
 */
export function sentStates(states: string[], caseStates: Row[]): string[] {
  const ticked = new Set(states.map((state) => state.trim()));
  const codes = new Set(caseStates.map((row) => row.code.trim()));
  return [
    ...[...codes].filter((code) => ticked.has(code)),
    ...[...ticked].filter((code) => !codes.has(code)),
  ];
}

/**
 * The lists as the API takes them, in form order (codes and labels without surrounding spaces); the case
 * substates with their `states`, the other entries with their code and label only (the API takes no more).
 */
export function entriesOf(rows: Rows): Dictionaries {
  return Object.fromEntries(
    DICTIONARY_NAMES.map((name) => [
      name,
      rows[name].map((row): DictionaryEntry | SubstateEntry => {
        const entry = { code: row.code.trim(), label: row.label.trim() };
        return name === WITH_STATES ? { ...entry, states: sentStates(row.states, rows.case_states) } : entry;
      }),
    ]),
  ) as Dictionaries;
}

/**
 * The rows with `next` as the case states: the substates follow a state whose code changed (to its new
 * code) or that was removed (it is dropped), so the form never names a state it no longer has. A code
 * that several case-state rows share (for a moment, while one is typed) is ambiguous: a substate names it
 * once for each of those rows it was ticked for, and only a name no remaining row has any more follows.
 */
export function withCaseStates(rows: Rows, next: Row[]): Rows {
  const after = new Map(next.map((row) => [row.id, row.code.trim()]));
  // each row that left its code: [the code it had, its code now (null: removed)]
  const changes: [string, string | null][] = [];
  for (const row of rows.case_states) {
    const before = row.code.trim();
    const now = after.get(row.id);
    if (now === undefined) changes.push([before, null]);
    else if (now !== before) changes.push([before, now]);
  }
  if (!changes.length) return { ...rows, case_states: next };
  const holders = (code: string) => next.filter((row) => row.code.trim() === code).length;
  const follow = (states: string[]) => {
    let result = states;
    for (const [from, to] of changes) {
      const named = result.filter((state) => state === from).length;
      if (named <= holders(from)) continue;
      const at = result.indexOf(from);
      result =
        to === null
          ? result.filter((_, index) => index !== at)
          : result.map((state, index) => (index === at ? to : state));
    }
    return result;
  };
  return {
    ...rows,
    case_states: next,
    case_substates: rows.case_substates.map((row) => {
      const states = follow(row.states);
      return states === row.states ? row : { ...row, states };
    }),
  };
}

/** Row `index` moved by `by` places (-1: up, 1: down); the same list where it cannot move. */
export function moved<T>(list: T[], index: number, by: -1 | 1): T[] {
  const target = index + by;
  if (target < 0 || target >= list.length) return list;
  const next = [...list];
  [next[index], next[target]] = [next[target]!, next[index]!];
  return next;
}

/** Where a message goes: a dictionary (its name), or one field of a row (`<name>.<row id>.code|label`). */
export const rowField = (name: DictionaryName, row: Row, field: "code" | "label") =>
  `${name}.${row.id}.${field}`;

/** What the API would refuse (domain/dictionaries.py), said at the field or the dictionary. */
export function dictionaryProblems(rows: Rows): FieldErrors {
  const problems: FieldErrors = {};
  for (const name of DICTIONARY_NAMES) {
    const list = rows[name];
    if (!list.length) problems[name] = `Keep at least one entry in ${DICTIONARY_TITLES[name]}`;
    const seen = new Set<string>();
    for (const row of list) {
      const code = row.code.trim();
      const label = row.label.trim();
      if (!code) problems[rowField(name, row, "code")] = "Enter a code";
      else if (!CODE.test(code)) {
        problems[rowField(name, row, "code")] =
          "A code has capital letters A–Z, digits and _ only (no spaces), at most 40 characters";
      } else if (seen.has(code)) {
        problems[rowField(name, row, "code")] = `${code} appears twice in ${DICTIONARY_TITLES[name]}`;
      }
      seen.add(code);
      if (!label) problems[rowField(name, row, "label")] = "Enter a label";
      else if (label.length > MAX_LABEL) {
        problems[rowField(name, row, "label")] = `A label has at most ${MAX_LABEL} characters`;
      }
    }
  }
  // A substate names only case states of the lists being saved.
  const states = new Set(rows.case_states.map((row) => row.code.trim()));
  const unknown = rows[WITH_STATES].flatMap((row, index) => {
    const substate = row.code.trim() || `${index + 1}`;
    return [...new Set(row.states.map((state) => state.trim()))]
      .filter((state) => !states.has(state))
      .map((state) => `${state || "(no code)"} is not a case state (substate ${substate})`);
  });
  if (unknown.length) problems[WITH_STATES] = unknown.join("; ");
  return problems;
}

/**
 * The API's 422 messages (by field: `dictionaries.<name>` or `dictionaries.<name>.<index>.code`) placed
 * like the form's own: at the dictionary, or at the field of the row that was sent at that index. What
 * names no dictionary comes back in `elsewhere`.
 */
export function serverProblems(
  fieldErrors: FieldErrors,
  sent: Rows,
): { problems: FieldErrors; elsewhere: string[] } {
  const problems: FieldErrors = {};
  const elsewhere: string[] = [];
  for (const [path, message] of Object.entries(fieldErrors)) {
    const [root, name, index, field] = path.split(".");
    if (root !== "dictionaries" || !name || !(name in DICTIONARY_TITLES)) {
      elsewhere.push(`${path}: ${message}`);
      continue;
    }
    const dictionary = name as DictionaryName;
    const row = index !== undefined ? sent[dictionary][Number(index)] : undefined;
    const key =
      row && (field === "code" || field === "label") ? rowField(dictionary, row, field) : dictionary;
    problems[key] = problems[key] ? `${problems[key]}; ${message}` : message;
  }
  return { problems, elsewhere };
}
