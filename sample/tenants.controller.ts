import { Controller, Get } from '@nestjs/common';
import { TenantDirectory, type TenantListing } from './tenant-directory';

/** GET /tenants: the tenants the login accepts, read from the directory (the page lists these). */
@Controller('tenants')
export class TenantsController {
  constructor(private readonly tenants: TenantDirectory) {}

  @Get()
  list(): TenantListing[] {
    return this.tenants.list();
  }
}
