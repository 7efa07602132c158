import type { Socket } from 'socket.io';
import type { UnauthorizedError } from '../protocol/unauthorized-error';
import { JwtSocketEvent } from '../protocol/events';
import type { JwtSocketSession } from './session-state';
import { emitDirectly } from './socket-internals';

/** The ack callback of an incoming `authenticate`. */
export type AuthenticateAck = (answer: object) => void;

const AUTHENTICATED_ANSWER = Object.freeze({ status: 'ok' });

/** Answers an `authenticate` ack: `{ status: 'ok' }`, or the refusal with `status: 'error'`. */
export function answerAck(ack: AuthenticateAck | undefined, error: UnauthorizedError | undefined): void {
  if (!ack) return;
  ack(error ? { status: 'error', ...error.toJSON() } : AUTHENTICATED_ANSWER);
}

/** The ack of the `authenticate` being verified, for a `close` meanwhile to answer. */
export function takePendingAck(session: JwtSocketSession): AuthenticateAck | undefined {
  const ack = session.pendingAck;
  session.pendingAck = undefined;
  return ack;
}

/**
 * An `authenticate` ack that answers once: with its message's outcome, or with a `close` that came
 * first. Each message answers its own: the next message may already have replaced the session's.
 */
export function answeringOnce(ack: AuthenticateAck | undefined): AuthenticateAck | undefined {
  if (!ack) return undefined;
  let answered = false;
  return (answer) => {
    if (answered) return;
    answered = true;
    ack(answer);
  };
}

/**
 * The seed protocol: `unauthorized`, then a disconnect, at once (`callback: false`) or after the
 * client's ack or `wait` ms, whichever comes first.
 */
export function sendUnauthorizedAndDisconnect(socket: Socket, error: UnauthorizedError, wait: false | number): void {
  if (socket.disconnected) return;
  if (wait === false) {
    emitDirectly(socket, JwtSocketEvent.UNAUTHORIZED, [error.toJSON()]);
    socket.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined = undefined;
  const disconnect = () => {
    clearTimeout(timer);
    socket.disconnect();
  };
  timer = setTimeout(disconnect, wait).unref();
  emitDirectly(socket, JwtSocketEvent.UNAUTHORIZED, [error.toJSON()], disconnect);
}
