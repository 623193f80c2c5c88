// Keeping a working user signed in. Tokens last 15 minutes; while the user is active (a key or pointer
// event, or an API call made within IDLE_AFTER_MS of one) a token that expires within RENEW_WITHIN_MS is
// swapped for a new one by POST /api/auth/refresh, once however many ask at the same time. An idle tab
// renews nothing, its background calls (the dashboard's refetch, live queue updates) included, and is
// signed out when its token expires, as intended.

import { EXPIRED_NOTICE, clearSession, currentToken, loadSession, saveToken } from "./session";

export const RENEW_WITHIN_MS = 5 * 60_000;
// A renewal that failed for another reason than a refusal (network, server) is tried again after this.
const RETRY_AFTER_MS = 30_000;
// Pointer moves come by the hundred: look at the clock at most this often.
const ACTIVITY_EVERY_MS = 10_000;
const ACTIVITY_EVENTS = ["pointerdown", "pointermove", "keydown", "wheel", "touchstart"] as const;

// A user who has not touched the page for this long is away: their tab's own calls renew nothing.
export const IDLE_AFTER_MS = 15 * 60_000;

let inFlight: Promise<void> | null = null;
let failedAt = -Infinity;
let lastActiveAt = Date.now(); // loading the page is the user's doing

/** Note that the user used the page at ``now``. */
export function noteActivity(now = Date.now()): void {
  lastActiveAt = Math.max(lastActiveAt, now);
}

/** Whether the user used the page within IDLE_AFTER_MS of ``now``. */
export function userActive(now = Date.now()): boolean {
  return now - lastActiveAt < IDLE_AFTER_MS;
}

/** Renew the token if it expires soon; the renewal under way (or null when none is due). */
export function renewIfDue(now = Date.now()): Promise<void> | null {
  const session = loadSession();
  if (!session || session.expiresAt - now > RENEW_WITHIN_MS) return null;
  if (inFlight) return inFlight;
  if (now - failedAt < RETRY_AFTER_MS) return null;
  inFlight = renew(session.token).finally(() => {
    inFlight = null;
  });
  return inFlight;
}

async function renew(token: string): Promise<void> {
  try {
    // Not through api(): that module asks for renewals itself.
    const response = await fetch("/api/auth/refresh", {
      method: "POST",
      headers: { Accept: "application/json", Authorization: `Bearer ${token}` },
    });
    const stillOurs = currentToken() === token; // not signed out, or in as someone else, meanwhile
    if (response.status === 401) {
      if (stillOurs) clearSession(EXPIRED_NOTICE); // the login was deactivated
      return;
    }
    if (!response.ok) throw new Error(`renewal answered ${response.status}`);
    const reply = (await response.json()) as { access_token: string; expires_in: number };
    if (stillOurs) saveToken(reply.access_token, reply.expires_in);
  } catch {
    failedAt = Date.now(); // the current token stays valid until it expires; try again a little later
  }
}

/** Call `onActive` (at most every ACTIVITY_EVERY_MS) while the user uses the page; returns the unsubscribe. */
export function watchActivity(onActive: () => void): () => void {
  let last = -Infinity;
  const listener = () => {
    const now = Date.now();
    noteActivity(now);
    if (now - last < ACTIVITY_EVERY_MS) return;
    last = now;
    onActive();
  };
  const options = { capture: true, passive: true };
  ACTIVITY_EVENTS.forEach((type) => window.addEventListener(type, listener, options));
  return () => ACTIVITY_EVENTS.forEach((type) => window.removeEventListener(type, listener, options));
}

/** For tests: forget a failed renewal. */
export function resetRenewal(): void {
  failedAt = -Infinity;
  inFlight = null;
  lastActiveAt = Date.now();
}
