/**
 * Who may receive an entitlement that issues a credential (a database login): non-human identities only. A
 * person signs in as themself; a shared password handed to a person is what this feature exists to avoid.
 * Called from submitRequest (server/domain/requests/service.ts) with the request's other rules.
 */
import { badInput } from "../../errors";

export function assertCredentialBeneficiary(entitlement: { name: string; issuesCredential: boolean }, beneficiary: { kind: string; displayName: string }): void {
  if (beneficiary.kind === "HUMAN" && entitlement.issuesCredential) {
    throw badInput(
      `${entitlement.name} issues a credential (a login with its own password) and is granted to non-human identities only, not to ${beneficiary.displayName}: request it for a service account or workload you own. Nothing was submitted.`,
      "beneficiaryId",
    );
  }
}
