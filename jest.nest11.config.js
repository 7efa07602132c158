// The e2e suite against Nest 11: @nestjs/* resolve to test/nest11/node_modules (installed by
// `npm run test:nest11`); everything else, rxjs and reflect-metadata included, stays the root's.
process.env.NEST_MAJOR_UNDER_TEST = '11';
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.e2e-spec.ts'],
  // It runs the compiled sample under the root's Nest 12: nothing of Nest 11 to test there.
  testPathIgnorePatterns: ['/node_modules/', '/test/sample-cluster\\.e2e-spec\\.ts$'],
  moduleNameMapper: {
    '^@nestjs/(common|core|websockets|platform-socket\\.io|platform-express|platform-fastify)$':
      '<rootDir>/test/nest11/node_modules/@nestjs/$1',
    '^@nestjs/(common|core|websockets|platform-socket\\.io|platform-express|platform-fastify)/(.*)$':
      '<rootDir>/test/nest11/node_modules/@nestjs/$1/$2',
    '^rxjs$': '<rootDir>/node_modules/rxjs',
    '^rxjs/(.*)$': '<rootDir>/node_modules/rxjs/$1',
    '^reflect-metadata$': '<rootDir>/node_modules/reflect-metadata',
  },
};
