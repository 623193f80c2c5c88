import "@testing-library/jest-dom/vitest";
import { cleanup } from "@testing-library/react";
import { afterEach, vi } from "vitest";

import { resetRenewal } from "../auth/renewal";

afterEach(() => {
  cleanup();
  sessionStorage.clear();
  resetRenewal();
  vi.unstubAllGlobals();
});

// jsdom has no ResizeObserver; charts (recharts' ResponsiveContainer) observe their box with one.
globalThis.ResizeObserver ??= class {
  observe() {}
  unobserve() {}
  disconnect() {}
};

// jsdom does not lay out, so it has no scrollIntoView; tests that care spy on it.
Element.prototype.scrollIntoView ??= function () {};
