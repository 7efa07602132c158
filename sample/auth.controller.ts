import { BadRequestException, Body, Controller, HttpCode, Post, UnauthorizedException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { sign } from 'jsonwebtoken';
import { DemoIdentityProvider } from './identity-provider';
import { TenantDirectory } from './tenant-directory';

export const TOKEN_TTL_SECONDS = 15 * 60;
const MAX_NAME_LENGTH = 64;

export interface LoginRequest {
  username?: unknown;
  tenant?: unknown;
  /** Optional shorter lifetime in seconds (1..900), to watch a token expire on an open socket. */
  ttl?: unknown;
}

export interface LoginResponse {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

/**
 * DEMO ONLY: issues a token to anyone who names a known tenant; there is no password. Your real
 * identity provider issues the tokens; the library only verifies them.
 */
@Controller('auth')
export class AuthController {
  constructor(
    private readonly tenants: TenantDirectory,
    private readonly identityProvider: DemoIdentityProvider,
  ) {}

  @Post('login')
  @HttpCode(200)
  login(@Body() body: LoginRequest | undefined): LoginResponse {
    const username = requiredName(body?.username, 'username');
    const tenant = requiredName(body?.tenant, 'tenant');
    const ttl = lifetime(body?.ttl);
    if (tenant === DemoIdentityProvider.TENANT) {
      // Tenant `initech` signs in at its identity provider (RS256, verified through its JWKS).
      return { accessToken: this.identityProvider.issue(username, ttl), tokenType: 'Bearer', expiresIn: ttl };
    }
    const secret = this.tenants.secretOf(tenant);
    if (!secret) throw new UnauthorizedException('Unknown tenant');
    const accessToken = sign({ tenant }, secret, {
      algorithm: 'HS256',
      subject: username,
      expiresIn: ttl,
      jwtid: randomUUID(),
    });
    return { accessToken, tokenType: 'Bearer', expiresIn: ttl };
  }
}

function requiredName(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > MAX_NAME_LENGTH) {
    throw new BadRequestException(`${field} must be a non-empty string of at most ${MAX_NAME_LENGTH} characters`);
  }
  return value;
}

function lifetime(seconds: unknown): number {
  if (seconds === undefined || seconds === null) return TOKEN_TTL_SECONDS;
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 1 || seconds > TOKEN_TTL_SECONDS) {
    throw new BadRequestException(`ttl must be a whole number of seconds from 1 to ${TOKEN_TTL_SECONDS}`);
  }
  return seconds;
}
