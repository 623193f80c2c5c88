import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from "react";

import { api } from "../api/client";
import { clearSession, loadSession, onSessionChange, saveSession, type Role, type Session } from "./session";

interface TokenReply {
  access_token: string;
  expires_in: number;
}

interface Me {
  username: string;
  role: Role;
  agent_id: string | null;
  team?: string | null;
}

interface AuthState {
  session: Session | null;
  /** Why the user was signed out (expired token), shown on the login page. */
  notice: string | null;
  signIn: (username: string, password: string) => Promise<void>;
  signOut: () => void;
}

const AuthContext = createContext<AuthState | null>(null);

export async function logIn(username: string, password: string): Promise<Session> {
  const reply = await api<TokenReply>("/api/auth/token", { form: { username, password } });
  const me = await api<Me>("/api/auth/me", { token: reply.access_token });
  return {
    token: reply.access_token,
    expiresAt: Date.now() + reply.expires_in * 1000,
    username: me.username,
    role: me.role,
    agentId: me.agent_id,
    team: me.team ?? null,
  };
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(() => loadSession());
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(
    () =>
      onSessionChange((next, reason) => {
        setSession(next);
        if (reason) setNotice(reason);
      }),
    [],
  );

  // Sign out when the token expires, rather than failing the next request.
  useEffect(() => {
    if (!session) return;
    const timer = window.setTimeout(
      () => clearSession("Your session has expired. Please sign in again."),
      Math.max(session.expiresAt - Date.now(), 0),
    );
    return () => window.clearTimeout(timer);
  }, [session]);

  const value = useMemo<AuthState>(
    () => ({
      session,
      notice,
      signIn: async (username, password) => {
        const next = await logIn(username, password);
        setNotice(null);
        saveSession(next);
      },
      signOut: () => clearSession(),
    }),
    [session, notice],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const state = useContext(AuthContext);
  if (!state) throw new Error("useAuth outside AuthProvider");
  return state;
}

export function useSession(): Session {
  const { session } = useAuth();
  if (!session) throw new Error("useSession needs a signed-in user");
  return session;
}
