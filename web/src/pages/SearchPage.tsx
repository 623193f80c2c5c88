export default function SearchPage() {
  return <h1 className="text-2xl font-semibold">SearchPage (being built)</h1>;
}
