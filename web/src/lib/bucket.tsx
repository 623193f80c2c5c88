// The bucket as a coloured badge: the later, the warmer (colours with text, never colour alone).

const COLOURS: Record<string, string> = {
  CURRENT: "bg-emerald-100 text-emerald-900",
  "1-29": "bg-lime-100 text-lime-900",
  "30-59": "bg-yellow-100 text-yellow-900",
  "60-89": "bg-amber-100 text-amber-900",
  "90-119": "bg-orange-100 text-orange-900",
  "120-179": "bg-red-100 text-red-900",
  "180+": "bg-rose-200 text-rose-950",
};

export const BUCKETS = Object.keys(COLOURS);

export function BucketBadge({ bucket }: { bucket: string | null | undefined }) {
  if (!bucket) return <span className="text-slate-500">—</span>;
  return (
    <span
      className={`inline-block rounded px-2 py-0.5 text-xs font-semibold ${COLOURS[bucket] ?? "bg-slate-100"}`}
    >
      {bucket}
    </span>
  );
}
