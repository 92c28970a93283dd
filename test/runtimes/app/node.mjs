// node.mjs: the reference: the same answers from node:http's own request, on Node.
import { createServer } from 'node:http'
import { createRequire } from 'node:module'
import * as esm from 'proxy-trust'
import { answersWith } from './answers.mjs'

const cjs = createRequire(import.meta.url)('proxy-trust')
const loaded = { esm: typeof esm.compileTrust, cjs: typeof cjs, same: cjs.compileTrust === esm.compileTrust }
const answers = answersWith(esm)

const server = createServer((req, res) => {
  const body = req.url === '/load' ? loaded : answers(req)
  res.setHeader('content-type', 'application/json')
  res.end(JSON.stringify(body))
})
server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`))
