export default function CustomerPage() {
  return <h1 className="text-2xl font-semibold">CustomerPage (being built)</h1>;
}
