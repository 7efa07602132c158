import { JwtSocketModule, JwtSocketRevoker, type JwtSocketModuleOptions } from '../lib';
import { ClientRoomsGateway } from './fixtures/security/outside-gateways';
import { startApp, type TestApp } from './support/app';
import { connectClient, connected, emitWithAck, nextEvent } from './support/client';
import { SECRET, signToken } from './support/tokens';

/**
 * `identityRooms` chooses the rooms an authenticated socket joins. Fewer rooms cost less on adapters
 * where a room is a channel (the sharded Redis adapter); revocation works without any of them.
 */

const SUB_ALICE = 'nestjs-socketio-jwt:sub:alice';
const JTI_ALICE = 'nestjs-socketio-jwt:jti:tok-1';

let server: TestApp | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(options: Partial<JwtSocketModuleOptions>): Promise<TestApp> {
  server = await startApp({
    jwtModule: JwtSocketModule.forRoot({ secret: SECRET, ...options }),
    gateways: [ClientRoomsGateway],
  });
  return server;
}

/** Alice's socket and the rooms it is in, as the server sees them (joining a room of the app's own lists them). */
async function aliceRooms(app: TestApp): Promise<{ rooms: string[]; alice: ReturnType<typeof connectClient> }> {
  const alice = await connected(
    connectClient(`${app.url}/rooms`, { auth: { token: signToken({ sub: 'alice' }, { jwtid: 'tok-1' }) } }),
  );
  return { alice, rooms: await emitWithAck<string[]>(alice, 'join', 'lobby') };
}

describe('identityRooms', () => {
  it('joins the sub and jti rooms by default', async () => {
    const { rooms } = await aliceRooms(await start({}));
    expect(rooms).toEqual(expect.arrayContaining([SUB_ALICE, JTI_ALICE, 'lobby']));
  });

  it("['sub'] joins the subject's room only", async () => {
    const { rooms } = await aliceRooms(await start({ identityRooms: ['sub'] }));
    expect(rooms).toContain(SUB_ALICE);
    expect(rooms).not.toContain(JTI_ALICE);
  });

  it('[] joins no identity room, and revocation by subject and by token id still disconnects', async () => {
    const app = await start({ identityRooms: [] });
    const first = await aliceRooms(app);
    expect(first.rooms.filter((room) => room.startsWith('nestjs-socketio-jwt:'))).toEqual([]);
    const bySubject = nextEvent<{ data: { code: string } }>(first.alice, 'unauthorized');
    expect(app.app.get(JwtSocketRevoker).revokeSubject('alice')).toBe(1);
    expect((await bySubject).data.code).toBe('token_revoked');

    const second = await aliceRooms(app);
    const byTokenId = nextEvent<{ data: { code: string } }>(second.alice, 'unauthorized');
    expect(app.app.get(JwtSocketRevoker).revokeTokenId('tok-1')).toBe(1);
    expect((await byTokenId).data.code).toBe('token_revoked');
  });

  it('fails at bootstrap on a claim it does not know, naming the option and what was received', async () => {
    await expect(start({ identityRooms: ['subject' as 'sub'] })).rejects.toThrow(
      `JwtSocketModule: \`identityRooms\` must be an array of 'sub' and 'jti' (or [] for none); received "subject"`,
    );
  });
});
