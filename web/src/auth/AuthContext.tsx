import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from "react";

import { api } from "../api/client";
import { forgetDrafts } from "../lib/storedDraft";
import { renewIfDue, watchActivity } from "./renewal";
import {
  EXPIRED_NOTICE,
  clearSession,
  loadSession,
  onSessionChange,
  saveToken,
  type Session,
} from "./session";

interface TokenReply {
  access_token: string;
  expires_in: number;
}

interface AuthState {
  session: Session | null;
  /** Why the user was signed out (expired token), shown on the login page. */
  notice: string | null;
  signIn: (username: string, password: string) => Promise<void>;
  signOut: () => void;
}

const AuthContext = createContext<AuthState | null>(null);

/** Sign in: the token's claims say who the user is (see session.ts). */
export async function logIn(username: string, password: string): Promise<Session> {
  const reply = await api<TokenReply>("/api/auth/token", { form: { username, password } });
  return saveToken(reply.access_token, reply.expires_in);
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

  // Sign out when the token expires, rather than failing the next request. Renewals move the expiry.
  useEffect(() => {
    if (!session) return;
    const timer = window.setTimeout(
      () => clearSession(EXPIRED_NOTICE),
      Math.max(session.expiresAt - Date.now(), 0),
    );
    return () => window.clearTimeout(timer);
  }, [session]);

  const signedIn = session !== null;
  useEffect(() => (signedIn ? watchActivity(() => void renewIfDue()) : undefined), [signedIn]);

  const value = useMemo<AuthState>(
    () => ({
      session,
      notice,
      signIn: async (username, password) => {
        await logIn(username, password);
        setNotice(null);
      },
      // Signing out on purpose drops unsaved drafts (a shared desk); an expired session keeps them.
      signOut: () => {
        forgetDrafts();
        clearSession();
      },
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
