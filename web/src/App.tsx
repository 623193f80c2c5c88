import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { lazy, Suspense, type ReactNode } from "react";
import { BrowserRouter, Navigate, Route, Routes, useLocation } from "react-router-dom";

import { ApiError } from "./api/client";
import { useLiveEvents } from "./api/events";
import { AuthProvider, useAuth } from "./auth/AuthContext";
import type { Role } from "./auth/session";
import { Layout } from "./components/Layout";
import { ErrorState, Loading } from "./components/States";
import { LoginPage } from "./pages/LoginPage";
import { QueuePage } from "./pages/QueuePage";
import { homeFor } from "./routes";

// Screens other than the queue load on demand, so the first render ships only what an agent needs.
const CustomerPage = lazy(() => import("./pages/CustomerPage"));
const SearchPage = lazy(() => import("./pages/SearchPage"));
const DashboardPage = lazy(() => import("./pages/DashboardPage"));
const StrategiesPage = lazy(() => import("./pages/admin/StrategiesPage"));
const AgentsPage = lazy(() => import("./pages/admin/AgentsPage"));
const UsersPage = lazy(() => import("./pages/admin/UsersPage"));
const DictionariesPage = lazy(() => import("./pages/admin/DictionariesPage"));
const DeadLettersPage = lazy(() => import("./pages/admin/DeadLettersPage"));

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        // 4xx answers will not change by asking again.
        retry: (count, error) =>
          !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
        refetchOnWindowFocus: true,
      },
    },
  });
}

function RequireAuth({ roles, children }: { roles?: Role[]; children: ReactNode }) {
  const { session } = useAuth();
  const location = useLocation();
  if (!session) return <Navigate to="/login" replace state={{ from: location.pathname }} />;
  if (roles && !roles.includes(session.role)) {
    return <ErrorState error={new ApiError(403, "You do not have access to this page.")} />;
  }
  return <>{children}</>;
}

function Live() {
  const { session } = useAuth();
  useLiveEvents(Boolean(session));
  return null;
}

function Home() {
  const { session } = useAuth();
  return <Navigate to={session ? homeFor(session) : "/login"} replace />;
}

export function AppRoutes() {
  return (
    <Suspense fallback={<Loading />}>
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route
          element={
            <RequireAuth>
              <Live />
              <Layout />
            </RequireAuth>
          }
        >
          <Route path="/" element={<Home />} />
          <Route
            path="/agents/:agentId/queue"
            element={
              <RequireAuth roles={["agent", "supervisor", "admin"]}>
                <QueuePage />
              </RequireAuth>
            }
          />
          <Route path="/customers/:cif" element={<CustomerPage />} />
          <Route path="/search" element={<SearchPage />} />
          <Route
            path="/dashboard"
            element={
              <RequireAuth roles={["supervisor", "admin"]}>
                <DashboardPage />
              </RequireAuth>
            }
          />
          <Route
            path="/admin/strategies"
            element={
              // Supervisors read the strategy; the page offers editing to admins only.
              <RequireAuth roles={["supervisor", "admin"]}>
                <StrategiesPage />
              </RequireAuth>
            }
          />
          <Route
            path="/admin/agents"
            element={
              <RequireAuth roles={["admin"]}>
                <AgentsPage />
              </RequireAuth>
            }
          />
          <Route
            path="/admin/users"
            element={
              <RequireAuth roles={["admin"]}>
                <UsersPage />
              </RequireAuth>
            }
          />
          <Route
            path="/admin/dictionaries"
            element={
              <RequireAuth roles={["admin"]}>
                <DictionariesPage />
              </RequireAuth>
            }
          />
          <Route
            path="/admin/dead-letters"
            element={
              <RequireAuth roles={["admin"]}>
                <DeadLettersPage />
              </RequireAuth>
            }
          />
          <Route path="*" element={<ErrorState error={new ApiError(404, "No such page.")} />} />
        </Route>
      </Routes>
    </Suspense>
  );
}

export function App() {
  const client = makeQueryClient();
  return (
    <QueryClientProvider client={client}>
      <AuthProvider>
        <BrowserRouter>
          <AppRoutes />
        </BrowserRouter>
      </AuthProvider>
    </QueryClientProvider>
  );
}
