import { Module } from '@nestjs/common';
import { DemoKeys } from './demo-keys';
import { DemoIdentityProvider } from './identity-provider';
import { TenantDirectory } from './tenant-directory';
import { TenantsController } from './tenants.controller';

@Module({
  providers: [DemoKeys, TenantDirectory, DemoIdentityProvider],
  controllers: [TenantsController],
  exports: [TenantDirectory, DemoIdentityProvider],
})
export class TenantsModule {}
