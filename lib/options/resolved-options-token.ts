/** Injection token of the resolved options (every default applied, key material parsed). */
export const JWT_SOCKET_RESOLVED_OPTIONS = Symbol('JWT_SOCKET_RESOLVED_OPTIONS');
