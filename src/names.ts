// names.ts: the API's names, index.ts without its default export, as one module's type. The
// CommonJS root (cjs.ts) carries them on proxy-addr's function, typed `typeof import('./names')`:
// through that type an editor shows each function's documentation, which a mapped type over
// index.ts's (`Omit<typeof api, 'default'>`) loses. Types only: nothing loads this module.
export * from './index.js'
