// Rendering a screen the way the app does (query client, auth, router) with a fake `fetch`.

import { QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { MemoryRouter, Route, Routes, useLocation } from "react-router-dom";
import { vi } from "vitest";

import { AppRoutes, makeQueryClient } from "../App";
import { AuthProvider } from "../auth/AuthContext";
import { saveToken, type Role } from "../auth/session";

export type Handler = (
  url: URL,
  init: RequestInit,
) => { status?: number; body?: unknown; headers?: Record<string, string> };

/** Replace fetch: each request goes to the first handler whose path pattern matches. */
export function fakeApi(routes: Record<string, Handler>) {
  const calls: { method: string; url: URL; body: unknown; headers: Headers }[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input), "http://localhost");
    const method = init.method ?? "GET";
    const body = typeof init.body === "string" ? JSON.parse(init.body) : init.body;
    calls.push({ method, url, body, headers: new Headers(init.headers) });
    const key = Object.keys(routes).find((pattern) =>
      new RegExp(`^${pattern}$`).test(`${method} ${url.pathname}`),
    );
    if (!key) return new Response(JSON.stringify({ detail: "Not Found" }), { status: 404 });
    const reply = routes[key]!(url, init);
    return new Response(reply.body === undefined ? "" : JSON.stringify(reply.body), {
      status: reply.status ?? 200,
      headers: { "Content-Type": "application/json", ...reply.headers },
    });
  });
  vi.stubGlobal("fetch", fetchMock);
  return calls;
}

/** A token shaped like the API's (a JWT) with these claims; unsigned: only the fake API reads it. */
export function tokenFor(claims: Record<string, unknown>): string {
  const part = (value: object) =>
    btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(value))))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
  return `${part({ alg: "none", typ: "JWT" })}.${part(claims)}.`;
}

export function signedInAs(
  role: Role,
  agentId: string | null = null,
  team: string | null = null,
  expiresIn = 600,
) {
  saveToken(tokenFor({ sub: `${role}-1`, role, agent_id: agentId, team }), expiresIn);
}

/** Where a screen navigated to, for tests to assert on. */
function Where() {
  return <p>at {useLocation().pathname}</p>;
}

export function renderAt(path: string, routePattern: string, screen: ReactElement) {
  return render(
    <QueryClientProvider client={makeQueryClient()}>
      <AuthProvider>
        <MemoryRouter initialEntries={[path]}>
          <Routes>
            <Route path={routePattern} element={screen} />
            <Route path="/customers/:cif" element={<p>customer page</p>} />
            <Route path="*" element={<Where />} />
          </Routes>
        </MemoryRouter>
      </AuthProvider>
    </QueryClientProvider>,
  );
}

/** The whole app (its routes, sign-in included) at `path`. */
export function renderApp(path: string) {
  return render(
    <QueryClientProvider client={makeQueryClient()}>
      <AuthProvider>
        <MemoryRouter initialEntries={[path]}>
          <AppRoutes />
        </MemoryRouter>
      </AuthProvider>
    </QueryClientProvider>,
  );
}

/** The unsaved drafts the tab keeps (web/src/lib/storedDraft.ts), as stored text. */
export function storedDrafts(): string[] {
  return Object.keys(sessionStorage)
    .filter((key) => key.startsWith("crm.draft."))
    .map((key) => sessionStorage.getItem(key)!);
}

/** What an input suggests: the options of the <datalist> it names with `list`, as value and label. */
export function suggestions(input: HTMLElement) {
  const list = document.getElementById(input.getAttribute("list") ?? "");
  return [...(list?.querySelectorAll("option") ?? [])].map((option) => [option.value, option.textContent]);
}
