/** The package's version, for the User-Agent; test/client/unit/sdk-version.test.ts keeps it equal to package.json's. */
export const VERSION = "0.1.0";
