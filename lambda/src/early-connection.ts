import { isIP } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';

/** A connection attempt (TCP + TLS) may take this long at most. */
export const CONNECT_TIMEOUT_MS = 2_000;
/** Keep-alive probes on an idle socket start after this, as undici's connector sets them. */
const TCP_KEEP_ALIVE_DELAY_MS = 60_000;

/**
 * Opens the TLS connection to `endpointBase`'s host ahead of the first call: from the entry, before the rest of the
 * function is loaded, so the handshake's round trips overlap with module evaluation instead of following it; or from
 * the warm-up, as soon as the host is known (a contact-centre secret names it). The socket is set up as undici's
 * connector sets up its own (ALPN `http/1.1`, SNI unless the host is an IP address, no Nagle, TCP keep-alive) so the
 * Salesforce client's pool can take it as one of its connections. Only `node:tls` is loaded here.
 *
 * @returns the connected socket, or undefined when it failed or took longer than `timeoutMs`; never rejects
 */
export function openEarlyConnection(
  endpointBase: string,
  timeoutMs: number = CONNECT_TIMEOUT_MS,
): Promise<TLSSocket | undefined> {
  const url = new URL(endpointBase);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise((resolve) => {
    const socket = connect({
      host,
      port: Number(url.port || 443),
      servername: isIP(host) ? undefined : host,
      ALPNProtocols: ['http/1.1'],
    });
    // Stays attached: an idle socket that errors before the pool takes it must not crash the container.
    socket.on('error', () => resolve(undefined));
    socket.setNoDelay(true).setKeepAlive(true, TCP_KEEP_ALIVE_DELAY_MS);
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(undefined);
    }, timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });
}
