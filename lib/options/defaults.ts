/** The defaults the resolver applies to options left out (the README's options table lists them). */
export const DEFAULT_DECODED_PROPERTY_NAME = 'decoded_token';
export const DEFAULT_USER_PROPERTY_NAME = 'user';
export const DEFAULT_EVENT_MODE_TIMEOUT_MS = 5000;
export const DEFAULT_SECRET_TIMEOUT_MS = 5000;
export const DEFAULT_MAX_TOKEN_LENGTH = 16384;
export const DEFAULT_IDENTITY_ROOMS = ['sub', 'jti'] as const;
