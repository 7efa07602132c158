import { getDecodedToken, JwtSocketErrorCode, UnauthorizedError, type AuthenticatedContext } from '../lib';
import type { ChatClaims } from './chat.gateway';

/**
 * The `onAuthenticated` hook of the sample. The library already refuses a refresh that names another
 * subject; here the tenant is part of who a user is (alice of acme and alice of globex are two people,
 * and the socket sits in its tenant's room), so an in-band refresh must keep the tenant too. At a
 * refresh, the socket still holds its current token while the hook runs.
 */
export function keepTenantOnRefresh({ decoded, socket, isRefresh }: AuthenticatedContext): void {
  if (!isRefresh) return;
  const current = getDecodedToken<ChatClaims>(socket);
  if (current?.tenant !== decoded.tenant) {
    throw new UnauthorizedError(JwtSocketErrorCode.SUBJECT_MISMATCH, 'A refreshed token must keep the same tenant');
  }
}
