import { Module } from '@nestjs/common';
import { DemoIdentityProvider } from './identity-provider';
import { TenantDirectory } from './tenant-directory';

@Module({ providers: [TenantDirectory, DemoIdentityProvider], exports: [TenantDirectory, DemoIdentityProvider] })
export class TenantsModule {}
