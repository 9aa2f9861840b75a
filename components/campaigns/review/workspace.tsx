"use client";
/**
 * The review workspace's shared pieces: the selection's shape, and the changing state the table's cells read
 * through context. The column definitions are module constants (./columns.tsx): @tanstack/react-table renders
 * a cell function as a component, so columns rebuilt on every render (inline, closing over state) gave every
 * cell a new component type on each re-render (a refresh, a selection, a decision elsewhere), and React
 * unmounted and re-created the row's actions with their open dialog and what the person had typed in it.
 */
import { createContext, useContext } from "react";
import { commentRequired } from "@/server/domain/campaigns/schema";
import type { ReviewItemRow } from "../types";

export type Decision = "KEEP" | "REVOKE";
/** A keyboard shortcut aimed at one row: `n` makes each press distinct. */
export type Command = { id: string; mode: Decision; n: number };

export const needsComment = (r: ReviewItemRow, d: Decision) => commentRequired(d, { privileged: r.privileged, originUnverified: r.context.originUnverified });
export const whyComment = (r: { privileged: boolean; originUnverified: boolean }) =>
  r.privileged && r.originUnverified ? "privileged access of unverified origin" : r.privileged ? "privileged access" : "access of unverified origin";

/** What a selected item needs for a bulk action (it may be on another page: select-all-matching). */
export type Pick = {
  id: string;
  version: number;
  identityId: string;
  identityName: string;
  entitlementName: string;
  privileged: boolean;
  originUnverified: boolean;
  suggestion: { decision: Decision; text: string } | null;
};
export const pickOf = (r: ReviewItemRow): Pick => ({
  id: r.id,
  version: r.version,
  identityId: r.identityId,
  identityName: r.identityName,
  entitlementName: r.entitlementName,
  privileged: r.privileged,
  originUnverified: r.context.originUnverified,
  suggestion: r.context.suggestion,
});

export type Workspace = {
  active: boolean;
  selected: Map<string, Pick>;
  openIds: string[];
  /** Per item: why the last action on it was refused ("Not decided: …", "Not reassigned: …"). */
  conflicts: Record<string, string>;
  focusedId: string | null;
  command: Command | null;
  toggle: (r: ReviewItemRow, on: boolean) => void;
  selectPage: (on: boolean) => void;
  decided: (id: string, d: Decision) => void;
  conflict: (id: string, msg: string | null) => void;
};
export const WorkspaceCtx = createContext<Workspace | null>(null);
export const useWorkspace = () => useContext(WorkspaceCtx)!;
