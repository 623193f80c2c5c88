// A labelled form field with its error shown next to it (and announced to screen readers).

import { useId, type ReactNode } from "react";

export function Field({
  label,
  error,
  hint,
  children,
}: {
  label: string;
  error?: string;
  hint?: string;
  children: (props: { id: string; "aria-invalid": boolean; "aria-describedby"?: string }) => ReactNode;
}) {
  const id = useId();
  const describedBy = [error ? `${id}-error` : null, hint ? `${id}-hint` : null].filter(Boolean).join(" ");
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-slate-700">
        {label}
      </label>
      {children({ id, "aria-invalid": Boolean(error), "aria-describedby": describedBy || undefined })}
      {hint && (
        <p id={`${id}-hint`} className="text-xs text-slate-500">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} role="alert" className="text-sm text-red-700">
          {error}
        </p>
      )}
    </div>
  );
}

// Without a width: a control sized by its own class (``${inputBaseClass} w-40``); `w-full` beside another
// width would win or lose by the stylesheet's order, not the class list's.
export const inputBaseClass =
  "rounded border border-slate-300 px-3 py-2 aria-[invalid=true]:border-red-500 disabled:bg-slate-100";
export const inputClass = `w-full ${inputBaseClass}`;

export const buttonClass =
  "rounded bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700 disabled:opacity-50";

export const secondaryButtonClass = "rounded border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100";

// A small table inside a card: room between columns (a right-aligned amount beside a left-aligned column
// had touched it) and between rows.
export const compactTableClass =
  "w-full text-left text-sm [&_td]:py-1 [&_td]:pr-4 [&_td:last-child]:pr-0 [&_th]:pb-1 [&_th]:pr-4 [&_th:last-child]:pr-0";

// Around a wide table: it scrolls sideways inside its card instead of widening the page on a phone.
// `relative` keeps the table's visually hidden labels (absolutely positioned `sr-only`) inside the
// scroll box too: positioned against the page, they had stretched it.
export const tableScrollClass = "relative overflow-x-auto";

/**
 * The scroll box of a wide table with nothing focusable of its own (no links, no buttons): focusable, so
 * that on a phone the keyboard reaches it (Tab) and scrolls it sideways (the arrow keys), WCAG 2.1.1.
 */
export function KeyboardScrollBox({
  label,
  className = "",
  children,
}: {
  label: string;
  className?: string;
  children: ReactNode;
}) {
  return (
    <div className={`${tableScrollClass} ${className}`} tabIndex={0} role="region" aria-label={label}>
      {children}
    </div>
  );
}

/**
 * A form's submit button (its label, or "Saving…" while the save runs) and Cancel. `disabled`: the form
 * cannot be sent as it is (its problems are shown at their fields).
 */
export function SaveAndCancel({
  pending,
  onCancel,
  label = "Save",
  disabled = false,
}: {
  pending: boolean;
  onCancel: () => void;
  label?: string;
  disabled?: boolean;
}) {
  return (
    <div className="flex flex-wrap gap-2">
      <button type="submit" className={buttonClass} disabled={pending || disabled}>
        {pending ? "Saving…" : label}
      </button>
      <button type="button" className={secondaryButtonClass} onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}
