// Packs the library and installs the tarball into three fresh consumer apps: CommonJS + strict
// TypeScript, ESM + strict TypeScript (nodenext), and a client-only app with no Nest installed.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const rootPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const work = mkdtempSync(join(tmpdir(), 'nestjs-socketio-jwt-pack-'));
const results = [];

function run(command, args, cwd) {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function devVersion(name) {
  return rootPackage.devDependencies[name];
}

function consumer(name, packageJson, tsconfig, files) {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, ...packageJson }, null, 2));
  if (tsconfig) writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
  for (const file of files) copyFileSync(join(here, file), join(dir, file));
  return dir;
}

function check(name, fn) {
  try {
    fn();
    results.push(['passed', name]);
    console.log(`ok   ${name}`);
  } catch (error) {
    results.push(['failed', name]);
    console.log(`FAIL ${name}\n${error.stdout ?? ''}${error.stderr ?? ''}${error.message}`);
  }
}

const tarball = join(work, run('npm', ['pack', '--silent', '--pack-destination', work], root).trim().split('\n').pop());
const serverDependencies = {
  'nestjs-socketio-jwt': `file:${tarball}`,
  '@nestjs/common': devVersion('@nestjs/common'),
  '@nestjs/core': devVersion('@nestjs/core'),
  '@nestjs/websockets': devVersion('@nestjs/websockets'),
  '@nestjs/platform-socket.io': devVersion('@nestjs/platform-socket.io'),
  '@nestjs/platform-express': devVersion('@nestjs/platform-express'),
  'socket.io': devVersion('socket.io'),
  'socket.io-client': devVersion('socket.io-client'),
  'reflect-metadata': devVersion('reflect-metadata'),
  rxjs: devVersion('rxjs'),
  typescript: devVersion('typescript'),
  '@types/node': devVersion('@types/node'),
};
// skipLibCheck off: the shipped .d.ts files must compile too. esModuleInterop as in a Nest CLI project (socket.io's own types need it).
const strict = {
  strict: true,
  esModuleInterop: true,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  skipLibCheck: false,
  outDir: 'out',
};
const install = ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

check('CommonJS consumer compiles with strict TypeScript and runs', () => {
  const dir = consumer(
    'cjs-consumer',
    { dependencies: serverDependencies },
    {
      compilerOptions: { ...strict, module: 'commonjs', moduleResolution: 'node10', target: 'es2022', types: ['node'] },
      files: ['cjs-consumer.ts'],
    },
    ['cjs-consumer.ts'],
  );
  run('npm', install, dir);
  run('npx', ['tsc', '-p', '.'], dir);
  const output = run('node', ['out/cjs-consumer.js'], dir);
  if (!output.includes('cjs consumer ok')) throw new Error(output);
});

check('ESM consumer compiles with strict TypeScript (nodenext) and runs', () => {
  const dir = consumer(
    'esm-consumer',
    { type: 'module', dependencies: serverDependencies },
    {
      compilerOptions: {
        ...strict,
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2022',
        types: ['node'],
      },
      files: ['esm-consumer.mts'],
    },
    ['esm-consumer.mts'],
  );
  run('npm', install, dir);
  run('npx', ['tsc', '-p', '.'], dir);
  const output = run('node', ['out/esm-consumer.mjs'], dir);
  if (!output.includes('esm consumer ok')) throw new Error(output);
});

check('the /client entry loads with no Nest or socket.io installed', () => {
  const dir = consumer(
    'client-only-consumer',
    { dependencies: { 'nestjs-socketio-jwt': `file:${tarball}` } },
    undefined,
    ['client-only-consumer.cjs'],
  );
  run('npm', [...install, '--legacy-peer-deps'], dir);
  const output = run('node', ['client-only-consumer.cjs'], dir);
  if (!output.includes('client-only consumer ok')) throw new Error(output);
});

rmSync(work, { recursive: true, force: true });
const failed = results.filter(([status]) => status === 'failed').length;
console.log(`package: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
