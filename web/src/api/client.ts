// The one way the app talks to the API: JSON in and out, the bearer token attached, errors turned into
// ApiError with the API's `detail` (a message, or per-field messages for a 422).

import { renewIfDue, userActive } from "../auth/renewal";
import { EXPIRED_NOTICE, clearSession, currentToken, loadSession } from "../auth/session";

export type FieldErrors = Record<string, string>;

export class ApiError extends Error {
  readonly status: number;
  readonly detail: unknown;
  readonly fieldErrors: FieldErrors;
  /** The whole JSON body (e.g. a 409's `rule` and `contactable_from` beside its `detail`). */
  readonly body: unknown;

  constructor(status: number, detail: unknown, body: unknown = null) {
    super(messageOf(status, detail));
    this.name = "ApiError";
    this.status = status;
    this.detail = detail;
    this.body = body;
    this.fieldErrors = fieldErrorsOf(detail);
  }
}

interface ValidationItem {
  field?: string;
  loc?: (string | number)[];
  msg?: string;
}

function messageOf(status: number, detail: unknown): string {
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail
      .map((item: ValidationItem) => `${item.field ?? item.loc?.join(".") ?? ""}: ${item.msg ?? ""}`)
      .join("; ");
  }
  if (status === 0) return "The server cannot be reached. Check your connection and try again.";
  return `The server answered ${status}.`;
}

function fieldErrorsOf(detail: unknown): FieldErrors {
  const errors: FieldErrors = {};
  if (!Array.isArray(detail)) return errors;
  for (const item of detail as ValidationItem[]) {
    const path = item.field ?? item.loc?.filter((part) => part !== "body").join(".");
    if (path && item.msg && !(path in errors)) errors[path] = item.msg;
  }
  return errors;
}

type QueryValue = string | number | boolean | undefined | null;

export interface RequestOptions {
  method?: "GET" | "POST" | "PUT" | "DELETE";
  body?: unknown;
  form?: Record<string, string>;
  signal?: AbortSignal;
  /** An array value repeats its name (`{ id: ["a", "b"] }` → `id=a&id=b`). */
  query?: Record<string, QueryValue | readonly QueryValue[]>;
  /** A token to use instead of the session's (right after login, before the session is saved). */
  token?: string;
  /** Extra request headers (e.g. X-Queue-Event-Id). */
  headers?: Record<string, string>;
}

export function withQuery(path: string, query?: RequestOptions["query"]): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    const values = (Array.isArray(value) ? value : [value]) as readonly QueryValue[];
    for (const item of values) {
      if (item !== undefined && item !== null && item !== "") params.append(name, String(item));
    }
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** The parsed JSON body and the response's headers (e.g. X-Total-Count). */
export async function apiRequest<T>(
  path: string,
  options: RequestOptions = {},
): Promise<{ data: T; headers: Headers }> {
  const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
  if (!options.token) await renewWhileWorking();
  const token = options.token ?? currentToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let body: BodyInit | undefined;
  if (options.form) {
    body = new URLSearchParams(options.form);
    headers["Content-Type"] = "application/x-www-form-urlencoded";
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["Content-Type"] = "application/json";
  }
  let response: Response;
  try {
    response = await fetch(withQuery(path, options.query), {
      method: options.method ?? (body ? "POST" : "GET"),
      headers,
      body,
      signal: options.signal,
    });
  } catch (error) {
    if ((error as Error).name === "AbortError") throw error;
    throw new ApiError(0, null);
  }
  const text = await response.text();
  const parsed: unknown = text ? safeJson(text) : null;
  if (!response.ok) {
    const detail = (parsed as { detail?: unknown } | null)?.detail ?? text;
    if (response.status === 401 && token && token === currentToken()) clearSession(EXPIRED_NOTICE);
    throw new ApiError(response.status, detail, parsed);
  }
  return { data: parsed as T, headers: response.headers };
}

// A request is activity: renew a token that expires soon. Wait for the renewal only when the current token
// might expire on the way (the old token stays valid until then, so the request need not wait otherwise).
const WAIT_FOR_RENEWAL_WITHIN_MS = 30_000;

async function renewWhileWorking(): Promise<void> {
  if (!userActive()) return; // a background call of an idle tab: let the session end
  const renewal = renewIfDue();
  const session = loadSession();
  if (renewal && session && session.expiresAt - Date.now() < WAIT_FOR_RENEWAL_WITHIN_MS) await renewal;
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  return (await apiRequest<T>(path, options)).data;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
