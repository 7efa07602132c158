import { Module } from '@nestjs/common';
import { JwtSocketModule } from '../lib';
import { AuthController } from './auth.controller';
import { ChatGateway } from './chat.gateway';
import { PageController } from './page.controller';
import { TenantSecrets } from './tenant-secrets';
import { TenantsModule } from './tenants.module';

@Module({
  imports: [
    TenantsModule,
    JwtSocketModule.forRootAsync({
      // TenantSecrets is built inside JwtSocketModule: it needs TenantDirectory from there.
      imports: [TenantsModule],
      useFactory: () => ({ algorithms: ['HS256', 'RS256'] }),
      secretProvider: TenantSecrets,
    }),
  ],
  controllers: [AuthController, PageController],
  providers: [ChatGateway],
})
export class AppModule {}
