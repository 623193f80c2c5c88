import { useState } from "react";

/** What a paged list with a search box shows: the text to find and the page's offset, which a new text
 * takes back to the first page. */
export function useFindAndPage() {
  const [containing, setContaining] = useState("");
  const [offset, setOffset] = useState(0);
  const find = (text: string) => {
    setContaining(text);
    setOffset(0);
  };
  return { containing, find, offset, setOffset };
}

/** A list's search box ("Find"): the API keeps the rows holding what is typed, in any case. */
export function FindBox({
  value,
  onChange,
  placeholder,
  className = "",
}: {
  value: string;
  onChange: (value: string) => void;
  placeholder: string;
  className?: string;
}) {
  return (
    <label className={`text-sm ${className}`}>
      <span className="mr-2 text-slate-700">Find</span>
      <input
        type="search"
        className="rounded border border-slate-300 px-2 py-1"
        placeholder={placeholder}
        maxLength={100}
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
    </label>
  );
}
