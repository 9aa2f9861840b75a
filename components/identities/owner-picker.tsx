"use client";
/**
 * Picks the accountable owner of a non-human identity: a combobox over active people, searched on the
 * server as you type. Keyboard: type to search, ↑/↓ to move, Enter to choose, Escape to close.
 */
import { useEffect, useId, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";

export type OwnerChoice = { id: string; displayName: string };

type Props = {
  value: OwnerChoice | null;
  onChange: (owner: OwnerChoice | null) => void;
  id: string;
  name: string;
  "aria-invalid": boolean;
  "aria-describedby"?: string;
};

export function OwnerPicker({ value, onChange, id, name, ...aria }: Props) {
  const trpc = useTRPC();
  const listId = useId();
  const [text, setText] = useState(value?.displayName ?? "");
  const [q, setQ] = useState("");
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);

  useEffect(() => {
    const t = setTimeout(() => setQ(text.trim()), 200);
    return () => clearTimeout(t);
  }, [text]);

  const search = useQuery({
    ...trpc.identities.list.queryOptions({ kind: "HUMAN", status: "ACTIVE", q: q && q !== value?.displayName ? q : undefined, size: 8 }),
    enabled: open,
  });
  const options = search.data?.rows ?? [];

  function choose(o: OwnerChoice) {
    onChange({ id: o.id, displayName: o.displayName });
    setText(o.displayName);
    setOpen(false);
  }

  return (
    <div className="relative">
      <input
        id={id}
        name={name}
        type="text"
        role="combobox"
        autoComplete="off"
        aria-autocomplete="list"
        aria-expanded={open}
        aria-controls={listId}
        aria-activedescendant={open && options[active] ? `${listId}-${active}` : undefined}
        {...aria}
        value={text}
        placeholder="Search active people by name, email or department…"
        onChange={(e) => {
          setText(e.target.value);
          setOpen(true);
          setActive(0);
          if (value && e.target.value !== value.displayName) onChange(null);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown") {
            e.preventDefault();
            setOpen(true);
            setActive((a) => Math.min(a + 1, Math.max(options.length - 1, 0)));
          } else if (e.key === "ArrowUp") {
            e.preventDefault();
            setActive((a) => Math.max(a - 1, 0));
          } else if (e.key === "Enter" && open && options[active]) {
            e.preventDefault();
            choose(options[active]);
          } else if (e.key === "Escape") {
            setOpen(false);
          }
        }}
        className="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900 shadow-sm placeholder:text-slate-400 focus:border-brand-500 focus:outline-none focus:ring-2 focus:ring-brand-500/30 aria-[invalid=true]:border-red-400"
      />
      {open && (
        <ul id={listId} role="listbox" aria-label="Active people" className="absolute z-20 mt-1 max-h-72 w-full overflow-auto rounded-md border border-slate-200 bg-white py-1 text-sm shadow-lg">
          {search.isLoading ? (
            <li className="px-3 py-2 text-slate-500">Searching…</li>
          ) : options.length === 0 ? (
            <li className="px-3 py-2 text-slate-500">No active person matches “{text}”.</li>
          ) : (
            options.map((o, i) => (
              <li
                key={o.id}
                id={`${listId}-${i}`}
                role="option"
                aria-selected={i === active}
                onMouseDown={(e) => {
                  e.preventDefault();
                  choose(o);
                }}
                onMouseEnter={() => setActive(i)}
                className={`cursor-pointer px-3 py-2 ${i === active ? "bg-brand-50 text-brand-900" : "text-slate-800"}`}
              >
                <span className="block font-medium">{o.displayName}</span>
                <span className="block text-xs text-slate-500">{[o.department, o.email].filter(Boolean).join(" · ")}</span>
              </li>
            ))
          )}
        </ul>
      )}
    </div>
  );
}
