/**
 * The one interface every connector implements. A connector performs an action in a target system and
 * reads the result back; the worker marks a task done only when `confirmed` is true, i.e. the read-back
 * of the target agrees with the action. Connectors never touch Warrant's database.
 */
import type { ConnectorKind, IdentityKind, TaskAction } from "../db/generated/enums";

export type ConnectorCtx = {
  system: { id: string; name: string; connectorConfig: unknown };
  entitlement: { name: string; externalRef: string | null };
  identity: { id: string; displayName: string; email: string | null; kind: IdentityKind };
  taskId: string;
};

/** What the connector did and what the target system showed afterwards (kept on the task and in the ledger). */
export type Receipt = {
  connector: ConnectorKind;
  action: TaskAction;
  /** Where the change was made, e.g. "postgresql://127.0.0.1:5432/halcyon_prod?sslmode=disable role app_read → w_1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6". */
  target: string;
  performedAt: string;
  readBack: Record<string, unknown>;
  /** True only when the read-back shows the intended state. */
  confirmed: boolean;
};

/** A manual task, or a webhook that accepted the work and will call back: wait for the confirmation. */
export type AwaitingConfirmation = { awaitingConfirmation: true; detail?: Record<string, unknown> };

export type ConnectorResult = Receipt | AwaitingConfirmation;

/** What discovery needs: the system, and the entitlements the catalog manages there (their role / group names). */
export type ListAccessCtx = {
  system: { id: string; name: string; connectorConfig: unknown };
  /** The externalRefs (role / group names) of the system's entitlements: only these are listed. */
  managedRefs: string[];
  /** The manual connector's input: the text of an uploaded access export (CSV `account,entitlement`). */
  upload?: string;
};

/**
 * One membership in the target: an account (the PostgreSQL member role, or the email for webhook and
 * manual systems) holds the role / group `externalRef`.
 */
export type Membership = { account: string; externalRef: string };

export interface Connector {
  grant(ctx: ConnectorCtx): Promise<ConnectorResult>;
  revoke(ctx: ConnectorCtx): Promise<ConnectorResult>;
  /** What the target system currently shows for this identity and entitlement. */
  readAccess(ctx: ConnectorCtx): Promise<{ hasAccess: boolean | null; readBack: Record<string, unknown> }>;
  /**
   * Discovery: every membership of the managed roles / groups in the target, streamed (flat memory), in
   * ascending order of (account, externalRef) by UTF-16 code units (what `<` on strings does; the same as
   * PostgreSQL's "C" collation for ASCII names). Reconciliation merges this stream with Warrant's grants
   * in the same order and refuses a stream that is out of order.
   */
  listAccess?(ctx: ListAccessCtx): AsyncIterable<Membership>;
  /**
   * Removes a membership found by discovery whose account stands for no identity (an orphan account made by
   * hand), and reads the target back: confirmed only when the membership is gone. Connectors that cannot
   * name an account other than an identity's leave it out.
   */
  revokeAccount?(ctx: ListAccessCtx, m: Membership): Promise<Receipt>;
  /**
   * Credentials (docs/credentials.md): for a grant whose entitlement issues one, the connector creates a login
   * of its own for the grant (or, when it exists, sets a new password on it: retrying is safe), valid until the
   * grant's end and member of the entitlement's role, and reads it back. The secret comes back beside the
   * receipt, never in it (receipts go to the ledger).
   */
  issueCredential?(ctx: CredentialCtx): Promise<CredentialResult>;
  /** A new password on an existing login (refused when the login is gone: a rotation never re-creates access). */
  rotateCredential?(ctx: CredentialCtx): Promise<CredentialResult>;
  /** Blocks the login, ends its sessions, drops it; confirmed when the role is gone and no session is left. */
  revokeCredential?(ctx: CredentialCtx): Promise<Receipt>;
}

/** The credential a grant issues: its login name and how long it may be used. */
export type CredentialCtx = ConnectorCtx & { credential: { grantId: string; login: string; validUntil: Date } };

/** What only the credential's owner may see once (password), and what anyone may (the rest). */
export type IssuedSecret = { login: string; password: string; fingerprint: string; validUntil: string };

export type CredentialResult = { receipt: Receipt; secret: IssuedSecret };

export function isAwaiting(r: ConnectorResult): r is AwaitingConfirmation {
  return (r as AwaitingConfirmation).awaitingConfirmation === true;
}

/** An error a connector raises with a message fit for the task's lastError (no secrets in it). */
export class ConnectorError extends Error {
  /**
   * Retrying cannot help (e.g. the settings name a secret outside the connector namespace): the worker
   * fails the task at once instead of retrying it with backoff; it can be retried from Tasks once fixed.
   */
  readonly permanent: boolean;
  constructor(message: string, opts: { permanent?: boolean } = {}) {
    super(message);
    this.name = "ConnectorError";
    this.permanent = opts.permanent ?? false;
  }
}
