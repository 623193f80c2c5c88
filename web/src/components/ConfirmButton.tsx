// A button that asks first, in place (no browser dialog): the question, then the action or "Keep it", which
// has the focus so that a stray Enter keeps what was there. Red for what destroys (the default); `neutral`
// for a weighty action that destroys nothing (a re-evaluation of every customer).

import { useState } from "react";

import { buttonClass, secondaryButtonClass } from "./Field";

export function ConfirmButton({
  label,
  question,
  confirmLabel,
  onConfirm,
  disabled = false,
  tone = "danger",
}: {
  label: string;
  question: string;
  confirmLabel: string;
  onConfirm: () => void;
  /** While the confirmed action runs: the button stays, greyed, and cannot ask again. */
  disabled?: boolean;
  tone?: "danger" | "neutral";
}) {
  const neutral = tone === "neutral";
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button
        type="button"
        className={
          neutral
            ? `${secondaryButtonClass} disabled:opacity-50`
            : "text-sm text-red-700 hover:underline disabled:opacity-50 disabled:hover:no-underline"
        }
        disabled={disabled}
        onClick={() => setAsking(true)}
      >
        {label}
      </button>
    );
  }
  return (
    <span role="alertdialog" aria-label={label} className="inline-flex flex-wrap items-center gap-2 text-sm">
      <span>{question}</span>
      <button
        type="button"
        className={
          neutral ? buttonClass : "rounded bg-red-700 px-3 py-1.5 font-medium text-white hover:bg-red-800"
        }
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirmLabel}
      </button>
      <button type="button" className={secondaryButtonClass} autoFocus onClick={() => setAsking(false)}>
        Keep it
      </button>
    </span>
  );
}
