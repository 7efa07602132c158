// Every TypeScript block of README.md and docs/*.md, copied verbatim into a fresh consumer app outside
// the repository (the packed tarball, Nest 12, the packages the blocks import, socket.io@latest),
// compiles with strict TypeScript and `skipLibCheck: false`. The blocks that open connections then run
// against the documented servers and must end by themselves. Run: `npm run test:doc-blocks`.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importedPackages, typescriptFiles } from './doc-blocks/markdown-blocks.mjs';
import { installConsumer, packLibrary, readmeInstallSpecs, run, socketIoCopies } from './doc-blocks/consumer-app.mjs';
import { checkNodeClient, checkRevocationFromAnotherService } from './doc-blocks/run-snippets.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const rootPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const results = [];

async function check(name, fn) {
  try {
    await fn();
    results.push(true);
    console.log(`ok   ${name}`);
  } catch (error) {
    results.push(false);
    console.log(`FAIL ${name}\n${error.stdout ?? ''}${error.stderr ?? ''}${error.message}`);
  }
}

/** `src/x.ts(12,5): error TS...` -> `docs/page.md:<line in the page>: error TS...`. */
function locateInPages(tscOutput, files) {
  const byFile = new Map(files.map((entry) => [entry.file, entry]));
  return tscOutput.replace(/^src\/([\w.-]+\.ts)\((\d+),(\d+)\)/gm, (whole, file, line) => {
    const entry = byFile.get(file);
    return entry ? `${entry.page}:${entry.fence + Number(line)} (${file})` : whole;
  });
}

const files = typescriptFiles(root);
const packages = new Set(files.flatMap((entry) => [...importedPackages(entry.code)]));
const work = mkdtempSync(join(tmpdir(), 'nestjs-socketio-jwt-doc-blocks-'));
const app = join(work, 'app');
try {
  await check("the tarball installs into a fresh Nest 12 app with the README's install command", () => {
    const tarball = packLibrary(root, work);
    mkdirSync(join(app, 'src'), { recursive: true });
    const readmeSpecs = readmeInstallSpecs(readFileSync(join(root, 'README.md'), 'utf8'));
    console.log(`README's install: npm install ${readmeSpecs.join(' ')}`);
    const installed = installConsumer(app, { tarball, rootPackage, readmeSpecs, packages });
    console.log(`installed: ${installed.map((spec) => spec.replace(tarball, '<tarball>')).join(' ')}`);
  });
  if (results.every(Boolean)) await checkConsumer();
} finally {
  rmSync(work, { recursive: true, force: true });
}

async function checkConsumer() {
  for (const entry of files) writeFileSync(join(app, 'src', entry.file), `${entry.code}\n`);
  console.log(`${files.length} blocks from ${new Set(files.map((entry) => entry.page)).size} pages`);
  const copies = socketIoCopies(app);
  console.log(`socket.io installed: ${copies.map(({ path, version }) => `${version} (${path})`).join(', ')}`);
  await check('socket.io@latest and the copy Nest pins are both installed when they differ', () => {
    const nestPin = JSON.parse(readFileSync(join(app, 'node_modules/@nestjs/platform-socket.io/package.json'), 'utf8'))
      .dependencies['socket.io'];
    const versions = new Set(copies.map(({ version }) => version));
    if (!versions.has(nestPin)) throw new Error(`Nest's socket.io ${nestPin} is not installed`);
    const latest = run('npm', ['view', '--prefer-offline', 'socket.io', 'version'], app).trim();
    if (latest !== nestPin && versions.size !== 2) throw new Error(`expected two copies, got ${[...versions]}`);
  });
  await check('every TypeScript block compiles verbatim (strict, skipLibCheck: false)', () => {
    try {
      run('npx', ['tsc', '-p', '.'], app);
    } catch (error) {
      error.stdout = locateInPages(error.stdout ?? '', files);
      throw error;
    }
  });
  // tsc emits even when a block fails to type-check, so the run checks still say what they can.
  await checkNodeClient(app, check);
  await checkRevocationFromAnotherService(app, check);
}

const failed = results.filter((passed) => !passed).length;
console.log(`doc blocks: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
