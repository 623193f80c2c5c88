// The signed-in session: the short-lived access token and who it belongs to.
//
// Kept in sessionStorage, not localStorage: it dies with the tab and is not shared with other tabs. Only the
// token and its expiry are stored. Who the user is (name, role, agent, team) is read from the token's
// claims, the very claims the API authorises by: editing storage cannot show another role's screens, since
// an edited token fails the API's signature check and the first request signs the tab out.

const KEY = "crm.session";

export const EXPIRED_NOTICE = "Your session has expired. Please sign in again.";

export type Role = "agent" | "supervisor" | "admin" | "integration";
const ROLES: readonly string[] = ["agent", "supervisor", "admin", "integration"] satisfies Role[];

export interface Session {
  token: string;
  expiresAt: number; // epoch ms, on this browser's clock
  username: string;
  role: Role;
  agentId: string | null;
  team: string | null;
}

interface Stored {
  token: string;
  expiresAt: number;
}

interface Claims {
  sub?: unknown;
  role?: unknown;
  agent_id?: unknown;
  team?: unknown;
}

type Listener = (session: Session | null, reason?: string) => void;
const listeners = new Set<Listener>();

function claimsOf(token: string): Claims | null {
  try {
    const part = token.split(".")[1] ?? "";
    const binary = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
    const json = new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
    const claims: unknown = JSON.parse(json);
    return claims && typeof claims === "object" ? (claims as Claims) : null;
  } catch {
    return null;
  }
}

const text = (value: unknown) => (typeof value === "string" && value ? value : null);

/** The session a token stands for, from its claims; null when they do not name a user and a role. */
export function sessionOf(token: string, expiresAt: number): Session | null {
  const claims = claimsOf(token);
  const username = text(claims?.sub);
  const role = text(claims?.role);
  if (!username || !role || !ROLES.includes(role)) return null;
  return {
    token,
    expiresAt,
    username,
    role: role as Role,
    agentId: text(claims?.agent_id),
    team: text(claims?.team),
  };
}

export function loadSession(): Session | null {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return null;
  try {
    const stored = JSON.parse(raw) as Partial<Stored>;
    if (typeof stored.token !== "string" || typeof stored.expiresAt !== "number") return null;
    return stored.expiresAt > Date.now() ? sessionOf(stored.token, stored.expiresAt) : null;
  } catch {
    return null;
  }
}

export function currentToken(): string | null {
  return loadSession()?.token ?? null;
}

/** Keep a token the API just issued (at sign-in or renewal); `expiresIn` in seconds, as the API says. */
export function saveToken(token: string, expiresIn: number): Session {
  const expiresAt = Date.now() + expiresIn * 1000; // counted on this clock: a skewed one does not matter
  const session = sessionOf(token, expiresAt);
  if (!session) throw new Error("The server's answer did not name a user and a role. Please try again.");
  sessionStorage.setItem(KEY, JSON.stringify({ token, expiresAt } satisfies Stored));
  listeners.forEach((listener) => listener(session));
  return session;
}

export function clearSession(reason?: string): void {
  sessionStorage.removeItem(KEY);
  listeners.forEach((listener) => listener(null, reason));
}

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
