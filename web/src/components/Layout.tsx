import { NavLink, Outlet } from "react-router-dom";

import { useAuth, useSession } from "../auth/AuthContext";
import type { Role } from "../auth/session";
import { queuePath } from "../routes";

interface NavItem {
  to: string;
  label: string;
  roles: Role[];
}

export function navItems(role: Role, agentId: string | null): NavItem[] {
  const items: NavItem[] = [
    { to: agentId ? queuePath(agentId) : "/queue", label: "My queue", roles: ["agent"] },
    { to: "/search", label: "Search", roles: ["agent", "supervisor", "admin", "integration"] },
    { to: "/dashboard", label: "Dashboard", roles: ["supervisor", "admin"] },
    { to: "/admin/strategies", label: "Strategies", roles: ["supervisor", "admin"] },
    { to: "/admin/agents", label: "Agents", roles: ["admin"] },
    { to: "/admin/users", label: "Users", roles: ["admin"] },
    { to: "/admin/dictionaries", label: "Dictionaries", roles: ["admin"] },
    { to: "/admin/dead-letters", label: "Dead letters", roles: ["admin"] },
  ];
  return items.filter((item) => item.roles.includes(role));
}

export function Layout() {
  const session = useSession();
  const { signOut } = useAuth();
  return (
    <div className="min-h-screen">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:bg-white"
      >
        Skip to content
      </a>
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
          <span className="text-lg font-semibold text-brand-800">Collections CRM</span>
          <nav aria-label="Main" className="flex flex-wrap gap-1">
            {navItems(session.role, session.agentId).map((item) => (
              <NavLink
                key={item.to}
                to={item.to}
                className={({ isActive }) =>
                  `rounded px-3 py-1.5 text-sm font-medium ${
                    isActive ? "bg-brand-50 text-brand-800" : "text-slate-700 hover:bg-slate-100"
                  }`
                }
              >
                {item.label}
              </NavLink>
            ))}
          </nav>
          <div className="ml-auto flex items-center gap-3 text-sm">
            <span className="text-slate-600">
              {session.username}{" "}
              <span className="rounded bg-slate-100 px-1.5 py-0.5 text-xs">{session.role}</span>
            </span>
            <button
              type="button"
              onClick={signOut}
              className="rounded border border-slate-300 px-3 py-1 text-slate-700 hover:bg-slate-100"
            >
              Sign out
            </button>
          </div>
        </div>
      </header>
      <main id="main" className="mx-auto max-w-7xl px-4 py-6">
        <Outlet />
      </main>
    </div>
  );
}
