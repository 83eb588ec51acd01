import net from 'node:net';
import type { Unreachable } from './types.js';
import { classifyConnectError, connectTimedOut } from './unreachable.js';

export type TcpConnectResult = { socket: net.Socket } | { unreachable: Unreachable };

/**
 * Opens a TCP connection to one address, waiting at most `timeoutMs`. A failure is
 * returned, not thrown, classified as timed out, refused, or no route.
 */
export function connectTcp(address: string, port: number, timeoutMs: number): Promise<TcpConnectResult> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port });

    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ unreachable: connectTimedOut(port, timeoutMs) });
    }, timeoutMs);

    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve({ socket });
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ unreachable: classifyConnectError(error, port, timeoutMs) });
    });
  });
}
