// A fresh consumer app outside the repository: the packed tarball, Nest 12 and what the blocks import.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

/** What a Nest 12 app has before it adds the library (the library's peers), at the versions this repository tests. */
const NEST_APP = [
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/platform-express',
  '@nestjs/platform-socket.io',
  '@nestjs/websockets',
  'reflect-metadata',
  'rxjs',
  'typescript',
  '@types/node',
];

/** Strict, and `skipLibCheck: false`: the shipped .d.ts and every package the blocks use must compile too. */
export const CONSUMER_TSCONFIG = {
  compilerOptions: {
    strict: true,
    skipLibCheck: false,
    esModuleInterop: true,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    module: 'commonjs',
    moduleResolution: 'node10',
    target: 'es2022',
    // The browser client block uses localStorage; the rest runs on Node.
    lib: ['es2022', 'dom'],
    types: ['node'],
    outDir: 'out',
  },
  include: ['src/*.ts'],
};

export function run(command, args, cwd, env = {}) {
  return execFileSync(command, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
}

export function packLibrary(root, destination) {
  const output = run('npm', ['pack', '--silent', '--pack-destination', destination], root);
  return join(destination, output.trim().split('\n').pop());
}

/**
 * The README's own install command for the library (the first `npm install nestjs-socketio-jwt ...`
 * it shows): the package specs it names, flags left out.
 */
export function readmeInstallSpecs(readme) {
  const match = /npm (?:install|i) (nestjs-socketio-jwt(?:[ \t]+[^\s`]+)*)/.exec(readme);
  if (!match) throw new Error('README.md shows no `npm install nestjs-socketio-jwt ...` command');
  return match[1].split(/[ \t]+/).filter((argument) => !argument.startsWith('-'));
}

/** `name` or `name@range` -> `name` (scoped names keep their leading `@`). */
function packageName(spec) {
  const at = spec.indexOf('@', 1);
  return at < 0 ? spec : spec.slice(0, at);
}

/**
 * Installs the app in one `npm install`: the Nest 12 app the library goes into, the README's install
 * command (the library as the packed tarball), and each package the blocks import that is not there
 * yet. `socket.io` is named explicitly at `latest`, as a user who runs `npm install socket.io` gets it:
 * a newer socket.io than the one `@nestjs/platform-socket.io` pins gives the app two copies, as it
 * would for that user.
 */
export function installConsumer(dir, { tarball, rootPackage, readmeSpecs, packages }) {
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'doc-blocks-consumer', private: true }, null, 2));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(CONSUMER_TSCONFIG, null, 2));
  const specs = new Map();
  for (const name of [...NEST_APP, ...packages]) specs.set(name, versioned(name, rootPackage));
  for (const spec of readmeSpecs) specs.set(packageName(spec), spec === 'nestjs-socketio-jwt' ? tarball : spec);
  specs.set('socket.io', 'socket.io@latest');
  const args = [...specs.values()];
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...args], dir);
  return args;
}

/** The repository's tested range when it has one (keeps the npm cache warm), else the latest release. */
function versioned(name, rootPackage) {
  const range = rootPackage.devDependencies?.[name];
  return range ? `${name}@${range}` : `${name}@latest`;
}

/** Every installed copy of socket.io: the app's own, and Nest's if it pins another version. */
export function socketIoCopies(dir) {
  const candidates = [
    'node_modules/socket.io',
    'node_modules/@nestjs/platform-socket.io/node_modules/socket.io',
    'node_modules/nestjs-socketio-jwt/node_modules/socket.io',
  ];
  return candidates
    .filter((path) => existsSync(join(dir, path, 'package.json')))
    .map((path) => ({ path, version: JSON.parse(readFileSync(join(dir, path, 'package.json'), 'utf8')).version }));
}
