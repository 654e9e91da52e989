// gocardless-nodejs declares its `./webhooks` entry only in package.json "exports", which the
// repository's `moduleResolution: node` does not read; point TypeScript at the same types.
// (Jest resolves the subpath through "exports" and loads only the webhook helpers, not the API client.)
declare module 'gocardless-nodejs/webhooks' {
  export * from 'gocardless-nodejs/types/webhooks';
}
