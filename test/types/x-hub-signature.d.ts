// x-hub-signature ships no types; this is the part of its API the tests use.
declare module "x-hub-signature" {
  export default class XHubSignature {
    constructor(algorithm: "sha1" | "sha256", secret: string);
    sign(requestBody: string | Buffer): string;
    verify(expectedSignature: string, requestBody: string | Buffer): boolean;
  }
}
