import { Logger } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { quote } from '../verification/log-safe';

const logger = new Logger('JwtSocket');

/**
 * A socket reached a gateway's connection callback without the library's middleware (a namespace the
 * adapter did not protect): it is disconnected before any gateway code runs, and the operator told why.
 */
export function refuseUnprotectedSocket(socket: Socket): void {
  logger.error(`Socket on namespace ${quote(socket.nsp.name)} bypassed JwtSocketIoAdapter; disconnecting it`);
  socket.disconnect();
}
