// azure-front-door.ts: Azure Front Door in front of the origin.
//
// Source: "Protocol support for HTTP headers in Azure Front Door", From the Front Door to the
// backend, https://learn.microsoft.com/azure/frontdoor/front-door-http-headers-protocol
// - X-Azure-SocketIP: "the socket IP address associated with the TCP connection that the current
//   request originated from"; the same page says X-Azure-ClientIP "might not be equal to its socket
//   IP address because the client IP can be arbitrarily overwritten by a user", so the client is
//   read from X-Azure-SocketIP.
// - X-Azure-FDID: "a reference string that identifies the request came from a specific Front Door
//   resource", to lock the origin to your own Front Door (Front Door's addresses, the
//   AzureFrontDoor.Backend service tag, are shared by every customer).
// The service tag's ranges are not shipped: pass them as `backend`.

import { failOption, subnetsOption, type PlatformSpec } from './types.js'

/** Azure Front Door: its backend ranges (`backend`), your Front Door's ID (`frontDoorId`), the client from `X-Azure-SocketIP`. */
export const azureFrontDoor: PlatformSpec = {
  name: 'azure-front-door',
  options: ['backend', 'frontDoorId'],
  part: (options) => {
    const backend = subnetsOption('azure-front-door', 'backend', options.backend, "the AzureFrontDoor.Backend service tag's prefixes")
    const id: unknown = options.frontDoorId
    if (typeof id !== 'string' || !/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(id)) {
      failOption('frontDoorId', id, "your Front Door's ID, a GUID such as 'a0a0a0a0-bbbb-cccc-dddd-e1e1e1e1e1e1'")
    }
    return {
      trusted: backend,
      header: { header: 'x-azure-socketip' },
      appends: false,
      edgeProof: { header: 'x-azure-fdid', values: [id.toLowerCase()] },
    }
  },
}
