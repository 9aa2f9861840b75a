/** Stops the portal and the OIDC provider that e2e/global-setup.ts started. */
import { stopRecordedServers } from "./servers";

export default async function globalTeardown() {
  await stopRecordedServers();
}
