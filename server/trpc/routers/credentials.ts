import { router, signedInProcedure } from "../init";
import { identityCredentials, ZIdentityCredentialsInput } from "../../domain/credentials/queries";
import { requestCredentialRotation, revealCredential } from "../../domain/credentials/service";
import { ZCredentialIdInput } from "../../domain/credentials/schema";

/** Credentials issued to non-human identities (docs/credentials.md): list, reveal once, rotate. */
export const credentialsRouter = router({
  /** An NHI's credentials (owner, admins, security, auditors; empty for others). Never a password. */
  ofIdentity: signedInProcedure.input(ZIdentityCredentialsInput).query(({ ctx, input }) => identityCredentials(ctx.svc, input)),
  /** The NHI's owner reveals the password once; Warrant then keeps no copy. */
  reveal: signedInProcedure.input(ZCredentialIdInput).mutation(({ ctx, input }) => revealCredential(ctx.svc, input)),
  /** The owner or an admin asks for a new password now (revealed once again). */
  rotate: signedInProcedure.input(ZCredentialIdInput).mutation(({ ctx, input }) => requestCredentialRotation(ctx.svc, input)),
});
