import express from 'express'
import { platform } from 'proxy-trust'
import { trustProxy } from 'proxy-trust/express'

export const app = express()
const { setting, options } = platform('azure-front-door', {
  // the AzureFrontDoor.Backend service tag's prefixes (az network list-service-tags), comma-separated
  backend: process.env.AZURE_FRONT_DOOR_BACKEND.split(','),
  // your Front Door's ID, which it sends as X-Azure-FDID (the portal's Overview page)
  frontDoorId: process.env.AZURE_FRONT_DOOR_ID,
})
export const trust = trustProxy(app, setting, options)
