// Editing the code dictionaries: pure helpers over the API's DictionariesPublic shape (the rows the form
// edits, the checks the API makes, its 422 answers placed at their dictionary), so they are tested alone.

import type { FieldErrors } from "../../api/client";
import type { Dictionaries, DictionaryEntry } from "../../api/types";

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

// domain/dictionaries.py: CODE_PATTERN and MAX_LABEL.
const CODE = /^[A-Z0-9_]{1,40}$/;
export const MAX_LABEL = 200;

/**
 * One row of the form: `id` keeps its inputs across moves, `was` is its code as saved (null: a new row), so
 * the form can say that actions already recorded keep the old code, and which rows are protected.
 */
export interface Row {
  id: string;
  code: string;
  label: string;
  was: string | null;
}

export type Rows = Record<DictionaryName, Row[]>;

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
      })),
    ]),
  ) as Rows;
}

/**
 * Rows with every dictionary: a draft stored by an older page lacks the dictionaries added since (it had
 * five, or seven before the case substates); those are taken from `saved` (the server's lists), so the
 * draft loads and saves every list.
 */
export function completeRows(rows: Partial<Rows>, saved: Rows): Rows {
  return Object.fromEntries(DICTIONARY_NAMES.map((name) => [name, rows[name] ?? saved[name]])) as Rows;
}

let added = 0;

/** An empty row, as "Add" appends it. */
export function newRow(): Row {
  added += 1;
  return { id: `new-${Date.now().toString(36)}-${added}`, code: "", label: "", was: null };
}

/** The lists as the API takes them, in form order (codes and labels without surrounding spaces). */
export function entriesOf(rows: Rows): Dictionaries {
  return Object.fromEntries(
    DICTIONARY_NAMES.map((name) => [
      name,
      rows[name].map((row): DictionaryEntry => ({ code: row.code.trim(), label: row.label.trim() })),
    ]),
  ) as Dictionaries;
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
