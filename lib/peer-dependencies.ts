/**
 * The server entry's peers are optional in package.json, so that a browser app can install the
 * package for its `/client` entry without pulling in Nest, socket.io and jsonwebtoken. The price: npm
 * no longer installs them for a server app either. This check, run before anything else the server
 * entry loads, turns a missing peer into one error that names every missing package and the command
 * that installs them, instead of a bare "Cannot find module" from somewhere deep in the library.
 */

/** What the server entry needs at run time, as package.json's `peerDependencies` list them. */
export const SERVER_PEER_DEPENDENCIES = [
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/websockets',
  '@nestjs/platform-socket.io',
  'socket.io',
  'jsonwebtoken',
  'reflect-metadata',
  'rxjs',
] as const;

function isInstalled(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch (error) {
    // Only "not found" means missing: any other resolution error belongs to the package, which is there.
    return (error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND';
  }
}

/** The error message for `missing` peers, or undefined when none is missing. */
export function missingPeersMessage(missing: readonly string[]): string | undefined {
  if (missing.length === 0) return undefined;
  return (
    `nestjs-socketio-jwt: the server entry needs ${missing.join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} not installed. ` +
    `Run: npm install ${missing.join(' ')}. ` +
    "(Only the 'nestjs-socketio-jwt/client' entry works without them.)"
  );
}

/** Throws, at load time, when a peer the server entry needs cannot be resolved. */
export function assertServerPeersInstalled(): void {
  const message = missingPeersMessage(SERVER_PEER_DEPENDENCIES.filter((name) => !isInstalled(name)));
  if (message !== undefined) throw new Error(message);
}

assertServerPeersInstalled();
