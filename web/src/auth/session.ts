// The signed-in session: the short-lived access token and who it belongs to.
//
// Kept in sessionStorage, not localStorage: it dies with the tab, is not shared with other tabs, and the
// API's tokens live 15 minutes anyway. Nothing else about the user is trusted from storage: the role
// shown comes from GET /api/auth/me.

const KEY = "crm.session";

export type Role = "agent" | "supervisor" | "admin" | "integration";

export interface Session {
  token: string;
  expiresAt: number; // epoch ms
  username: string;
  role: Role;
  agentId: string | null;
  team: string | null;
}

type Listener = (session: Session | null, reason?: string) => void;
const listeners = new Set<Listener>();

export function loadSession(): Session | null {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return null;
  try {
    const session = JSON.parse(raw) as Session;
    return session.expiresAt > Date.now() ? session : null;
  } catch {
    return null;
  }
}

export function currentToken(): string | null {
  return loadSession()?.token ?? null;
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(session));
  listeners.forEach((listener) => listener(session));
}

export function clearSession(reason?: string): void {
  sessionStorage.removeItem(KEY);
  listeners.forEach((listener) => listener(null, reason));
}

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
