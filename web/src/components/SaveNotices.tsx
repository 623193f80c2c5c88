// What a card edited in place says about its save: that it was saved, or that another's save came first
// (a 409, or a version newer than the draft's) with Reload, which drops the changes here.

import type { ReactNode, RefObject } from "react";

import { secondaryButtonClass } from "./Field";
import { ErrorState } from "./States";

export function SavedNotice({ children }: { children: ReactNode }) {
  return (
    <p role="status" className="rounded bg-emerald-50 p-2 text-sm text-emerald-900">
      {children}
    </p>
  );
}

export function ConflictNotice({
  message,
  subject,
  reloading,
  onReload,
}: {
  message: string;
  /** What Reload shows as saved now ("the case"). */
  subject: string;
  reloading: boolean;
  onReload: () => void;
}) {
  return (
    <div className="space-y-2 rounded bg-amber-50 p-2 text-sm text-amber-900">
      <p role="alert">{message}</p>
      <p className="flex flex-wrap items-center gap-2">
        <span>{`Reload shows ${subject} as saved now; your changes here are discarded.`}</span>
        <button type="button" className={secondaryButtonClass} onClick={onReload}>
          {reloading ? "Reloading…" : "Reload"}
        </button>
      </p>
    </div>
  );
}

/** Why a save did not go through, above Save: another's save came first (with Reload), or another error. */
export function SaveProblems({
  editor,
  subject,
}: {
  editor: { conflict: string | null; reloading: boolean; reload: () => void; otherError: Error | null };
  /** What Reload shows as saved now ("the case"). */
  subject: string;
}) {
  return (
    <>
      {editor.conflict && (
        <ConflictNotice
          message={editor.conflict}
          subject={subject}
          reloading={editor.reloading}
          onReload={editor.reload}
        />
      )}
      {editor.otherError && <ErrorState error={editor.otherError} />}
    </>
  );
}

/** The card's Edit button, shown to who may edit while the form is closed (the focus returns to it). */
export function EditButton({
  shown,
  buttonRef,
  onClick,
  children,
}: {
  shown: boolean;
  buttonRef: RefObject<HTMLButtonElement | null>;
  onClick: () => void;
  children: ReactNode;
}) {
  if (!shown) return null;
  return (
    <button type="button" ref={buttonRef} className={secondaryButtonClass} onClick={onClick}>
      {children}
    </button>
  );
}
