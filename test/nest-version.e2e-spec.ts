import { readFileSync } from 'node:fs';

// Proves which Nest major the suite really ran against (jest.config.js sets 12, jest.nest11.config.js 11).
describe('Nest version under test', () => {
  it('is the major this jest config maps @nestjs/* to', () => {
    const corePackage = require.resolve('@nestjs/core').replace(/index\.js$/, 'package.json');
    const { version } = JSON.parse(readFileSync(corePackage, 'utf8')) as { version: string };
    process.stdout.write(`@nestjs/core ${version}\n`);
    expect(version.split('.')[0]).toBe(process.env.NEST_MAJOR_UNDER_TEST);
  });
});
