export default function StrategiesPage() {
  return <h1 className="text-2xl font-semibold">StrategiesPage (being built)</h1>;
}
