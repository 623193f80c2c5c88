// Where a field visit happened: the address visited (one of the customer's, from the bank or the CRM) and,
// when the agent shares it, their position. The address goes out as the action's `contact` (channel VISIT:
// the address in words, as the timeline names what each action used), the position as its `visit`
// {lat, lon, address}. Pure, so it is tested alone.

import type { CustomerView } from "../api/types";
import { codeWords } from "../lib/queueContact";
import { join } from "./actionContact";
import { addressKey, oneLine } from "./crmAddress";

export const VISIT = "VISIT";
// contracts/actions.py: ContactInfo.number, Visit.address (ShortText)
const MAX_CONTACT = 254;
const MAX_VISIT_ADDRESS = 200;

export interface VisitOption {
  /** The address on one line: what is sent. */
  value: string;
  label: string;
}

export interface VisitChoices {
  options: VisitOption[];
  /** What the form starts on: the bank's primary address, else its first home address, else the first. */
  preferred: string | null;
}

export const NO_VISIT_CHOICES: VisitChoices = { options: [], preferred: null };

/** A position the browser gave: degrees, and how far off it may be in metres (null: not said). */
export interface Position {
  lat: number;
  lon: number;
  accuracy: number | null;
}

/** What a visit needs of a draft (`ActionDraft`'s visit fields). */
export interface VisitDraft {
  type: string;
  /** The address visited, as listed: "" for "Not recorded"; null for the one the form starts on. */
  visitAddress: string | null;
  position: Position | null;
}

/**
 * The addresses a visit may name: the bank's (in its order), then those agents added, each once (as the API
 * tells repeats apart, `addressKey`); it starts on the one a field agent's queue shows (`QueueEntry.address`).
 */
export function visitChoicesOf(view: Pick<CustomerView, "contacts" | "crm_contacts">): VisitChoices {
  const bank = view.contacts.addresses;
  const listed = [
    ...bank.map((place) => ({
      place,
      label: join(oneLine(place), codeWords(place.type), place.is_primary ? "primary" : null),
    })),
    ...view.crm_contacts.addresses.map((place) => ({
      place,
      label: join(oneLine(place), codeWords(place.type), "added in the CRM"),
    })),
  ];
  const seen = new Set<string>();
  const options: VisitOption[] = [];
  for (const { place, label } of listed) {
    const key = addressKey(place);
    if (seen.has(key)) continue;
    seen.add(key);
    options.push({ value: oneLine(place), label });
  }
  const visited =
    bank.find((address) => address.is_primary) ?? bank.find((address) => address.type === "HOME") ?? bank[0];
  return { options, preferred: visited ? oneLine(visited) : (options[0]?.value ?? null) };
}

/** The address the form shows as chosen: the draft's while listed ("" for "Not recorded"), else the preferred. */
export function chosenVisitAddress(draft: VisitDraft, choices: VisitChoices): string {
  if (draft.visitAddress === "") return "";
  if (draft.visitAddress !== null && choices.options.some((option) => option.value === draft.visitAddress))
    return draft.visitAddress;
  return choices.preferred ?? "";
}

/** The action's contact for a visit: the address visited, in words; null for another type or none. */
export function visitContactOf(draft: VisitDraft, choices: VisitChoices) {
  const address = draft.type === VISIT ? chosenVisitAddress(draft, choices) : "";
  return address && address.length <= MAX_CONTACT ? { channel: "VISIT" as const, number: address } : null;
}

/** The action's `visit`: the position shared, with the address visited; null without a position. */
export function visitOf(draft: VisitDraft, choices: VisitChoices) {
  if (draft.type !== VISIT || !draft.position) return null;
  const address = chosenVisitAddress(draft, choices);
  return {
    lat: draft.position.lat,
    lon: draft.position.lon,
    address: address && address.length <= MAX_VISIT_ADDRESS ? address : null,
  };
}

/** "10.776900, 106.700900 (within 15 m)". */
export function positionText(position: Position): string {
  const place = `${position.lat.toFixed(6)}, ${position.lon.toFixed(6)}`;
  return position.accuracy === null ? place : `${place} (within ${Math.round(position.accuracy)} m)`;
}

/** The position of a recorded action's `visit` (the 360 view's, any shape), or null. */
export function visitPosition(visit: unknown): { lat: number; lon: number } | null {
  if (!visit || typeof visit !== "object") return null;
  const { lat, lon } = visit as { lat?: unknown; lon?: unknown };
  return typeof lat === "number" && typeof lon === "number" ? { lat, lon } : null;
}

/** The position on a map a browser can open. */
export function mapLink({ lat, lon }: { lat: number; lon: number }): string {
  return `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=17/${lat}/${lon}`;
}

/** The address looked up on a map a browser can open (a field agent's way there). */
export function mapSearchLink(address: string): string {
  return `https://www.openstreetmap.org/search?query=${encodeURIComponent(address)}`;
}

/** Why the browser gave no position, in the form's words (a GeolocationPositionError's code). */
export function positionProblem(code: number | null): string {
  switch (code) {
    case 1:
      return "Your position was not shared: allow this site to use your location, then try again.";
    case 2:
      return "Your position is not available here; try again outside or later.";
    case 3:
      return "Finding your position took too long; try again.";
    default:
      return "This browser cannot share a position on this page (it needs HTTPS).";
  }
}
