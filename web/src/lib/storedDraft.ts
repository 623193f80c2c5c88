// Unsaved form input kept in sessionStorage (this tab only), so that a sign-in in between (an expired
// session sends the user to the login page and back) does not lose what they typed.

import { useEffect, useState } from "react";

const PREFIX = "crm.draft.";

function read<T>(key: string): T | null {
  try {
    const raw = sessionStorage.getItem(PREFIX + key);
    return raw ? (JSON.parse(raw) as T) : null;
  } catch {
    return null;
  }
}

/**
 * State that outlives its component: `value` starts from what was stored under `key` (`restored` says so)
 * and is stored on every change; once it is `isBlank` again (saved, or emptied), nothing is kept. A null
 * `key` keeps nothing: plain state.
 */
export function useStoredDraft<T>(key: string | null, blank: () => T, isBlank: (value: T) => boolean) {
  const [restored] = useState(() => (key === null ? null : read<T>(key)));
  const [value, setValue] = useState<T>(() => restored ?? blank());
  useEffect(() => {
    if (key === null) return;
    if (isBlank(value)) sessionStorage.removeItem(PREFIX + key);
    else sessionStorage.setItem(PREFIX + key, JSON.stringify(value));
  }, [key, value, isBlank]);
  return { value, setValue, restored: restored !== null };
}

const noneOpen = (): null => null;
const isNoneOpen = (open: unknown) => open === null;

/**
 * Which record's form a page has open (null: none), kept in the tab like a draft, so that the form opens
 * again after a sign-in and shows its restored draft.
 */
export function useOpenForm<T>(key: string) {
  return useStoredDraft<T | null>(key, noneOpen, isNoneOpen);
}

/** Drop one stored draft now (its form is closing: saved, or cancelled). */
export function forgetDraft(key: string): void {
  sessionStorage.removeItem(PREFIX + key);
}

/** Drop every stored draft (signing out on purpose). */
export function forgetDrafts(): void {
  Object.keys(sessionStorage)
    .filter((key) => key.startsWith(PREFIX))
    .forEach((key) => sessionStorage.removeItem(key));
}

/** Whether two drafts hold the same data, whatever the order of their keys. */
export function sameDraft(a: unknown, b: unknown): boolean {
  return stable(a) === stable(b);
}

function stable(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === "object" && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : inner,
  );
}
