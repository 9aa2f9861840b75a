/**
 * The contract between the policy engine and the rest of the lifecycle. The engine (Cedar) answers, for one
 * request: may it be requested at all; is it auto-approved; which approval stages it needs, in order; and
 * the longest duration the policy allows. Every answer records the exact policy version and its hash, the
 * determining policy ids and a hash of the input, so it can be replayed.
 */
import type { ApprovalKind, IdentityKind, RiskLevel } from "../../db/generated/client";

export type PolicyInput = {
  /**
   * Who asks. A machine requester (an API client, a pipeline, an AI agent: any non-human identity acting
   * itself) has its kind and its accountable owner here; absent in decisions stored before machine
   * requesters existed (= a person).
   */
  requester: { id: string; department: string | null; kind?: IdentityKind; ownerId?: string | null };
  beneficiary: { id: string; kind: IdentityKind; ownerId: string | null; managerId: string | null };
  entitlement: {
    id: string;
    name: string;
    systemId: string;
    systemName: string;
    risk: RiskLevel;
    privileged: boolean;
    requestable: boolean;
    maxDurationDays: number;
  };
  durationHours: number;
  emergency: boolean;
  facts: {
    requesterIsBeneficiary: boolean;
    requesterOwnsBeneficiary: boolean;
    requesterIsManagerOfBeneficiary: boolean;
    /**
     * The requester and a human beneficiary are different people in the same (non-empty) department. Absent
     * in decisions stored before requests on behalf existed (= false: every such request was for oneself or
     * an owned non-human identity).
     */
    requesterSharesDepartment?: boolean;
    /** Names of entitlements the beneficiary already holds (or has pending) that conflict with this one (SoD). */
    conflictingHeld: string[];
    /**
     * Minutes of emergency access to this entitlement the beneficiary had, has or is scheduled to have in
     * the last EMERGENCY_WINDOW_HOURS (see emergencyMinutesUsed). Absent in decisions stored before it
     * existed: replaying those counts it as 0, which is what the policy of their time saw.
     */
    emergencyMinutesUsed?: number;
    /** The request extends a break-glass grant. Absent in older stored decisions (= false). */
    extendsEmergencyAccess?: boolean;
    /**
     * The machine chain (issue 12): the requester is a non-human identity; the facts below are about its
     * accountable owner and the beneficiary (the agent acts with its owner's standing, never as a manager or
     * colleague itself); viaApiClient = submitted through /api/v1. All absent in older stored decisions (= false).
     */
    requesterIsMachine?: boolean;
    requesterOwnerIsBeneficiary?: boolean;
    requesterOwnerIsManagerOfBeneficiary?: boolean;
    requesterOwnerSharesDepartment?: boolean;
    viaApiClient?: boolean;
  };
};

export type PolicyDecision = {
  allowed: boolean;
  /** Human-readable reasons (for a denial: why; otherwise what applied). */
  reasons: string[];
  autoApproved: boolean;
  /** Approval stages in the order they must be decided. Empty when auto-approved or denied. */
  stages: ApprovalKind[];
  /** The longest duration (hours) the policy would allow for this request. */
  maxDurationHours: number;
  /** Ids (`@id("...")`) of the policies that determined the answers. */
  determining: string[];
  /** SHA-256 (hex) of the canonical (RFC 8785) PolicyInput. */
  inputHash: string;
  policyVersionId: string;
  policyVersion: number;
  /** SHA-256 (hex) of the policy text evaluated. */
  policyHash: string;
  /** Set when evaluation failed; then allowed is false ("any evaluation error means deny"). */
  error?: string;
};

/**
 * What a request stores as its `policyDecision`: the decision plus the exact input it was computed from,
 * so it can be replayed against the recorded policy version (see replayDecision in evaluate.ts).
 */
export type StoredPolicyDecision = PolicyDecision & { input: PolicyInput };
