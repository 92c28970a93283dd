// free-port.mjs: a loopback port no one listens on, for a program whose configuration must name its
// port before it starts (workerd), where port 0 cannot be passed on.

import { createServer } from 'node:net'

/**
 * A free TCP port on 127.0.0.1: the system picks it for a server that closes at once. Another
 * process may take it before the caller does; the caller starts soon after and fails loudly if so.
 *
 * @returns {Promise<number>}
 * @example
 * const port = await freePort()
 */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    }).on('error', reject)
  })
}
