// client.ts: test clients that open a TCP connection from a chosen loopback address, send a PROXY
// header (or anything) first, then speak HTTP/1.1, HTTPS, HTTP/2 or nothing at all.

import http2 from 'node:http2'
import net from 'node:net'
import tls from 'node:tls'

export interface Reply {
  /** The response body, or undefined when the server closed the connection without one. */
  readonly body: string | undefined
}

/** Open a TCP connection from `localAddress` and write `first` once connected. */
export function connect(port: number, first: Uint8Array | string, localAddress = '127.0.0.1'): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress }, () => {
      if (first.length > 0) socket.write(first)
      resolve(socket)
    })
    socket.once('error', reject)
  })
}

/** Read until the connection ends; the text received, '' when nothing came. */
export function readAll(stream: net.Socket | tls.TLSSocket): Promise<string> {
  return new Promise((resolve) => {
    let text = ''
    stream.setEncoding('utf8')
    stream.on('data', (chunk: string) => (text += chunk))
    stream.on('error', () => undefined)
    stream.on('close', () => resolve(text))
  })
}

const REQUEST = 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'

function bodyOf(response: string): string | undefined {
  const at = response.indexOf('\r\n\r\n')
  return at === -1 ? undefined : response.slice(at + 4)
}

/** `header`, then one HTTP/1.1 request over plain TCP. */
export async function http1(port: number, header: Uint8Array | string, localAddress?: string): Promise<Reply> {
  const socket = await connect(port, Buffer.concat([Buffer.from(header), Buffer.from(REQUEST)]), localAddress)
  return { body: bodyOf(await readAll(socket)) }
}

/** `header`, then one HTTP/1.1 request over TLS. */
export async function https1(port: number, header: Uint8Array | string, localAddress?: string): Promise<Reply> {
  const socket = await connect(port, header, localAddress)
  const secure = tls.connect({ socket, rejectUnauthorized: false, servername: 'localhost' }, () => secure.write(REQUEST))
  return { body: bodyOf(await readAll(secure)) }
}

/** `header`, then one HTTP/2 request, over TLS (with ALPN h2) or in the clear. */
export async function h2(port: number, header: Uint8Array | string, secure: boolean, localAddress?: string): Promise<Reply> {
  const socket = await connect(port, header, localAddress)
  const transport = secure ? tls.connect({ socket, rejectUnauthorized: false, servername: 'localhost', ALPNProtocols: ['h2'] }) : socket
  const session = http2.connect(`${secure ? 'https' : 'http'}://localhost:${port}`, { createConnection: () => transport })
  return new Promise((resolve) => {
    session.on('error', () => resolve({ body: undefined }))
    const stream = session.request({ ':path': '/' })
    let body = ''
    stream.setEncoding('utf8')
    stream.on('data', (chunk: string) => (body += chunk))
    stream.on('error', () => undefined)
    stream.on('close', () => {
      session.close()
      resolve({ body: stream.rstCode === 0 ? body : undefined })
    })
  })
}
