// pg's own conversion of a JS value to the text it binds (not in @types/pg).
declare module "pg/lib/utils" {
  export function prepareValue(value: unknown): unknown;
}
