// The line that says a form came back with what the user had typed before signing in again (their session
// had expired), with a way back to the saved version that asks first.

import type { ReactNode } from "react";

import { ConfirmButton } from "./ConfirmButton";

export function RestoredNotice({
  children,
  question,
  onDiscard,
}: {
  children: ReactNode;
  /** What "Discard changes" asks before it throws the restored changes away. */
  question: string;
  onDiscard: () => void;
}) {
  return (
    <div
      role="status"
      className="flex flex-wrap items-center gap-2 rounded bg-sky-50 p-2 text-sm text-sky-900"
    >
      <span>{children}</span>
      <ConfirmButton
        label="Discard changes"
        question={question}
        confirmLabel="Discard changes"
        onConfirm={onDiscard}
      />
    </div>
  );
}
