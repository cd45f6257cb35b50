// The ORM's query compiler as Prisma's runtime ships it: its WebAssembly, base64-encoded, in a module
// the generated client imports on the ORM's first use (src/db/query-compiler-preload.ts).
declare module '@prisma/client/runtime/query_compiler_fast_bg.postgresql.wasm-base64.mjs' {
  export const wasm: string;
}
