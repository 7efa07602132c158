// Packs the library and installs the tarball into fresh consumer apps: CommonJS + strict TypeScript
// against Nest 12 and against Nest 11, ESM + strict TypeScript (nodenext), a server app that forgot a
// peer (it must fail loudly, by name), and a client-only app that gets none of the server stack.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const rootPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const nest11Package = JSON.parse(readFileSync(join(root, 'test', 'nest11', 'package.json'), 'utf8'));
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

/** Every package installed under `dir`, nested copies included, by name. */
function installedPackages(dir) {
  const paths = run('npm', ['ls', '--all', '--parseable'], dir).trim().split('\n').slice(1);
  return paths.map((path) => JSON.parse(readFileSync(join(path, 'package.json'), 'utf8')).name);
}

/** Bytes on disk under `dir` (what `du` reports), for the client-only install's footprint. */
function diskUsage(dir) {
  return Number(run('du', ['-sk', dir], work).split('\t')[0]) * 1024;
}

const tarball = join(work, run('npm', ['pack', '--silent', '--pack-destination', work], root).trim().split('\n').pop());
// What a server app installs, per the README: the library, its peers and, for TypeScript, the types.
const nestPackages = ['@nestjs/common', '@nestjs/core', '@nestjs/websockets', '@nestjs/platform-socket.io'];
function serverDependencies(nestVersion = devVersion) {
  return {
    'nestjs-socketio-jwt': `file:${tarball}`,
    ...Object.fromEntries([...nestPackages, '@nestjs/platform-express'].map((name) => [name, nestVersion(name)])),
    jsonwebtoken: devVersion('jsonwebtoken'),
    '@types/jsonwebtoken': devVersion('@types/jsonwebtoken'),
    'socket.io': devVersion('socket.io'),
    'socket.io-client': devVersion('socket.io-client'),
    'reflect-metadata': devVersion('reflect-metadata'),
    rxjs: devVersion('rxjs'),
    typescript: devVersion('typescript'),
    '@types/node': devVersion('@types/node'),
  };
}
// skipLibCheck off: the shipped .d.ts files must compile too. esModuleInterop as in a Nest CLI project (socket.io's own types need it).
const strict = {
  strict: true,
  esModuleInterop: true,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  skipLibCheck: false,
  outDir: 'out',
};
// No --legacy-peer-deps anywhere: every consumer installs the way a user would.
const install = ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

function checkCommonJsConsumer(name, dependencies) {
  const dir = consumer(
    name,
    { dependencies },
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
}

check('the tarball ships every page the README links to, and no stale build output', () => {
  const listed = run('tar', ['tzf', tarball], work).split('\n');
  const shipped = new Set(listed.map((entry) => entry.replace(/^package\//, '')));
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const linked = [...readme.matchAll(/\]\((docs\/[\w.-]+\.md)(?:#[^)]*)?\)/g)].map((match) => match[1]);
  if (linked.length === 0) throw new Error('the README links no docs/ page');
  const missing = [...new Set(linked)].filter((page) => !shipped.has(page));
  if (missing.length > 0) throw new Error(`not in the tarball: ${missing.join(', ')}`);
  const stale = [...shipped].filter(
    (file) => file.startsWith('dist/') && !existsSync(join(root, 'lib', tsSourceOf(file))),
  );
  if (stale.length > 0) throw new Error(`built from no lib/ source: ${stale.slice(0, 5).join(', ')}`);
});

check('CommonJS consumer on Nest 12 compiles with strict TypeScript and runs', () => {
  checkCommonJsConsumer('cjs-consumer', serverDependencies());
});

check('CommonJS consumer on Nest 11 compiles with strict TypeScript (skipLibCheck off) and runs', () => {
  const nest11 = (name) => nest11Package.dependencies[name];
  const dependencies = serverDependencies(nest11);
  // The socket.io that @nestjs/platform-socket.io 11 pins, so the app holds one copy of its types.
  dependencies['socket.io'] = readNest11SocketIoPin();
  checkCommonJsConsumer('cjs-nest11-consumer', dependencies);
});

function readNest11SocketIoPin() {
  const lock = JSON.parse(readFileSync(join(root, 'test', 'nest11', 'package-lock.json'), 'utf8'));
  return lock.packages['node_modules/@nestjs/platform-socket.io'].dependencies['socket.io'];
}

check('ESM consumer compiles with strict TypeScript (nodenext) and runs', () => {
  const dir = consumer(
    'esm-consumer',
    { type: 'module', dependencies: serverDependencies() },
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

check('a server app without jsonwebtoken fails at require with an error that names it and the fix', () => {
  const dependencies = serverDependencies();
  delete dependencies.jsonwebtoken;
  delete dependencies['@types/jsonwebtoken'];
  const dir = consumer('missing-peer-consumer', { dependencies }, undefined, []);
  run('npm', install, dir);
  const expected =
    'nestjs-socketio-jwt: the server entry needs jsonwebtoken, which is not installed. Run: npm install jsonwebtoken.';
  for (const loader of [
    "require('nestjs-socketio-jwt')",
    "import('nestjs-socketio-jwt').catch((error) => { console.error(error.message); process.exit(1); })",
  ]) {
    let stderr = '';
    try {
      run('node', ['-e', loader], dir);
    } catch (error) {
      stderr = error.stderr;
    }
    if (!stderr.includes(expected)) throw new Error(`${loader}: expected "${expected}", got:\n${stderr}`);
  }
});

check('a client-only app installs without the server stack, and the /client entry loads', () => {
  const dir = consumer(
    'client-only-consumer',
    { dependencies: { 'nestjs-socketio-jwt': `file:${tarball}` } },
    undefined,
    ['client-only-consumer.cjs'],
  );
  run('npm', install, dir);
  const serverStack = installedPackages(dir).filter((name) =>
    /^(@nestjs\/.*|socket\.io|jsonwebtoken|@types\/(jsonwebtoken|node)|reflect-metadata|rxjs)$/.test(name),
  );
  if (serverStack.length > 0) throw new Error(`the client-only install pulled in: ${serverStack.join(', ')}`);
  const output = run('node', ['client-only-consumer.cjs'], dir);
  if (!output.includes('client-only consumer ok')) throw new Error(output);
  const kilobytes = Math.round(diskUsage(join(dir, 'node_modules')) / 1024);
  console.log(`     client-only node_modules: ${kilobytes} kB (${installedPackages(dir).join(', ')})`);
});

rmSync(work, { recursive: true, force: true });
const failed = results.filter(([status]) => status === 'failed').length;
console.log(`package: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);

/** `dist/a/b.js`, `.d.ts` or `.js.map` -> `a/b.ts` */
function tsSourceOf(file) {
  return file.replace(/^dist\//, '').replace(/(\.d\.ts|\.js\.map|\.js)$/, '.ts');
}
