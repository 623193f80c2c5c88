import { describe, expect, it } from "vitest";

import { navItems } from "./components/Layout";
import { homeFor, queuePath } from "./routes";

describe("an agent id holding a slash", () => {
  // agent ids may hold "/" (the API's identifier pattern allows it): a bare one would be two path segments
  it("is one path segment in the queue's link", () => {
    expect(queuePath("north/a1")).toBe("/agents/north%2Fa1/queue");
  });

  it("lands the agent on their own queue", () => {
    expect(homeFor({ role: "agent", agentId: "north/a1" })).toBe("/agents/north%2Fa1/queue");
    expect(homeFor({ role: "agent", agentId: null })).toBe("/search");
  });

  it("links the agent's menu to their own queue", () => {
    const queue = navItems("agent", "north/a1").find((item) => item.label === "My queue");
    expect(queue?.to).toBe("/agents/north%2Fa1/queue");
  });
});
