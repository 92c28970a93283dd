// heroku.ts: the Heroku router in front of a dyno.
//
// Source: "HTTP Routing", Heroku headers, X-Forwarded-For: "the originating IP address of the
// client connecting to the Heroku router"; the router appends it to any X-Forwarded-For the client
// sent, https://devcenter.heroku.com/articles/http-routing#heroku-headers
// Heroku publishes no list of its routers' addresses, so the socket peer is trusted by its position
// alone: dynos are reachable only through the router.

import type { PlatformSpec } from './types.js'

/** Heroku: the socket peer (the router) by position, the client it appended to X-Forwarded-For. */
export const heroku: PlatformSpec = {
  name: 'heroku',
  options: [],
  part: () => ({ trusted: undefined, appends: false }),
}
