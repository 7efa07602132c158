import { Module } from '@nestjs/common';
import { JwtSocketModule } from '../lib';
import { AdminController } from './admin.controller';
import { AuthController } from './auth.controller';
import { ChatGateway } from './chat.gateway';
import { PageController } from './page.controller';
import { keepTenantOnRefresh } from './same-tenant-refresh';
import { TenantSecrets } from './tenant-secrets';
import { TenantsModule } from './tenants.module';

@Module({
  imports: [
    TenantsModule,
    JwtSocketModule.forRootAsync({
      // TenantSecrets is built inside JwtSocketModule: it needs TenantDirectory from there.
      imports: [TenantsModule],
      useFactory: () => ({ algorithms: ['HS256', 'RS256'], onAuthenticated: keepTenantOnRefresh }),
      secretProvider: TenantSecrets,
    }),
  ],
  controllers: [AuthController, AdminController, PageController],
  providers: [ChatGateway],
})
export class AppModule {}
