"use client";
import { forwardRef, useImperativeHandle, useRef } from "react";

export type PolicyEditorHandle = { goToLine(line: number): void };

/**
 * A plain textarea for Cedar text with a line-number gutter that scrolls with it. Lines with a problem
 * are marked in the gutter. Tab keeps its usual meaning (moves focus), so the page stays keyboard-usable.
 */
export const PolicyEditor = forwardRef<
  PolicyEditorHandle,
  { id: string; value: string; onChange?: (v: string) => void; readOnly?: boolean; errorLines?: number[]; describedBy?: string; invalid?: boolean }
>(function PolicyEditor({ id, value, onChange, readOnly, errorLines = [], describedBy, invalid }, ref) {
  const area = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);
  const lineCount = value.split("\n").length;
  const bad = new Set(errorLines);

  useImperativeHandle(ref, () => ({
    goToLine(line: number) {
      const el = area.current;
      if (!el) return;
      const lines = el.value.split("\n");
      const n = Math.min(Math.max(1, line), lines.length);
      const start = lines.slice(0, n - 1).reduce((s, l) => s + l.length + 1, 0);
      el.focus();
      el.setSelectionRange(start, start + lines[n - 1].length);
      el.scrollTop = Math.max(0, (n - 5) * 20);
    },
  }));

  return (
    <div className={`flex h-[32rem] overflow-hidden rounded-md border bg-white shadow-sm focus-within:ring-2 focus-within:ring-brand-500/30 ${invalid ? "border-red-400" : "border-slate-300"}`}>
      <div ref={gutter} aria-hidden className="w-12 shrink-0 overflow-hidden border-r border-slate-200 bg-slate-50 py-2 text-right font-mono text-[13px] leading-5 text-slate-400">
        {Array.from({ length: lineCount }, (_, i) => (
          <div key={i} className={`px-2 ${bad.has(i + 1) ? "bg-red-100 font-semibold text-red-700" : ""}`}>
            {i + 1}
          </div>
        ))}
        <div className="h-8" />
      </div>
      <textarea
        ref={area}
        id={id}
        value={value}
        readOnly={readOnly}
        onChange={(e) => onChange?.(e.target.value)}
        onScroll={(e) => {
          if (gutter.current) gutter.current.scrollTop = e.currentTarget.scrollTop;
        }}
        wrap="off"
        spellCheck={false}
        autoCapitalize="off"
        autoComplete="off"
        aria-describedby={describedBy}
        aria-invalid={invalid || undefined}
        className={`block flex-1 resize-none overflow-auto whitespace-pre py-2 pl-3 pr-3 font-mono text-[13px] leading-5 text-slate-900 outline-none ${readOnly ? "bg-slate-50" : ""}`}
      />
    </div>
  );
});
