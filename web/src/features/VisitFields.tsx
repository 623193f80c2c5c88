// The record-action form's fields for a field visit: which of the customer's addresses was visited and,
// when the agent shares it, their position (the browser's geolocation), sent with the action
// (`actionVisit.ts`).

import { useState } from "react";

import { Field, inputClass, secondaryButtonClass } from "../components/Field";
import {
  chosenVisitAddress,
  positionProblem,
  positionText,
  type Position,
  type VisitChoices,
  type VisitDraft,
} from "./actionVisit";

// A fresh fix, not one the browser kept from an hour ago elsewhere; a minute at most.
const LOCATE: PositionOptions = { enableHighAccuracy: true, maximumAge: 60_000, timeout: 60_000 };

export function VisitFields({
  draft,
  choices,
  error,
  onChange,
}: {
  draft: VisitDraft;
  choices: VisitChoices;
  /** The API's answer about the address sent (`contact`). */
  error?: string;
  onChange: (changes: { visitAddress?: string; position?: Position | null }) => void;
}) {
  const [locating, setLocating] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  function locate() {
    const geolocation = typeof navigator !== "undefined" ? navigator.geolocation : undefined;
    if (!geolocation) {
      setProblem(positionProblem(null)); // an insecure page (http other than localhost) has none
      return;
    }
    setLocating(true);
    setProblem(null);
    geolocation.getCurrentPosition(
      ({ coords }) => {
        setLocating(false);
        onChange({
          position: {
            lat: Number(coords.latitude.toFixed(6)),
            lon: Number(coords.longitude.toFixed(6)),
            accuracy: Number.isFinite(coords.accuracy) ? coords.accuracy : null,
          },
        });
      },
      (failure) => {
        setLocating(false);
        setProblem(positionProblem(failure.code));
      },
      LOCATE,
    );
  }

  return (
    <>
      <Field
        label="Address visited"
        error={error}
        hint={choices.options.length ? undefined : "The customer has no address on record."}
      >
        {(props) => (
          <select
            {...props}
            className={inputClass}
            value={chosenVisitAddress(draft, choices)}
            onChange={(e) => onChange({ visitAddress: e.target.value })}
          >
            <option value="">Not recorded</option>
            {choices.options.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        )}
      </Field>
      <div className="space-y-1" role="group" aria-labelledby="visit-position-label">
        <p id="visit-position-label" className="text-sm font-medium text-slate-700">
          Your position
        </p>
        {draft.position ? (
          <p className="flex flex-wrap items-center gap-2 text-sm text-slate-700">
            <span data-testid="visit-position">{positionText(draft.position)}</span>
            <button type="button" className="text-sm underline" onClick={() => onChange({ position: null })}>
              Remove
            </button>
          </p>
        ) : (
          <button type="button" className={secondaryButtonClass} disabled={locating} onClick={locate}>
            {locating ? "Finding your position…" : "Add my position"}
          </button>
        )}
        {problem ? (
          <p role="alert" className="text-sm text-red-700">
            {problem}
          </p>
        ) : (
          !draft.position && (
            <p className="text-xs text-slate-500">
              Recorded with the visit, so that a supervisor can see where it was made.
            </p>
          )
        )}
      </div>
    </>
  );
}
