export default function DashboardPage() {
  return <h1 className="text-2xl font-semibold">DashboardPage (being built)</h1>;
}
