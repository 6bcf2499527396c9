import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const OPENSSL = "/usr/bin/openssl";

/** A certificate and its key, as PEM text and as files (for HOOKRELAY_EGRESS_CA_FILE and the like). */
export interface Issued {
  cert: string;
  key: string;
  certPath: string;
  keyPath: string;
}

export interface Pki {
  dir: string;
  /** A self-signed CA. */
  ca(name: string): Promise<Issued>;
  /** A TLS server certificate for IP:127.0.0.1 (and DNS:localhost), signed by `ca`. */
  server(ca: Issued, name?: string): Promise<Issued>;
  /** A client certificate signed by `ca`; `days: -1` makes one that has already expired. */
  client(ca: Issued, name: string, opts?: { days?: number }): Promise<Issued>;
  /** Removes the directory with every key in it. */
  remove(): Promise<void>;
}

/**
 * Certificates made in the test with the openssl CLI, in a temp dir of their own: nothing
 * checked in, nothing that expires under the suite. EC P-256 keys, which take milliseconds.
 */
export async function createPki(): Promise<Pki> {
  const dir = await mkdtemp(join(tmpdir(), "hookrelay-pki-"));
  const path = (name: string, ext: string) => join(dir, `${name.replace(/[^A-Za-z0-9_-]/g, "_")}.${ext}`);
  const issued = async (name: string): Promise<Issued> => {
    const certPath = path(name, "pem");
    const keyPath = path(name, "key");
    return { cert: await readFile(certPath, "utf8"), key: await readFile(keyPath, "utf8"), certPath, keyPath };
  };
  const newKeyAndCsr = (name: string, subject: string) =>
    run(OPENSSL, ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", path(name, "key"), "-out", path(name, "csr"), "-subj", subject]);
  const sign = async (ca: Issued, name: string, days: number, extensions: string) => {
    await writeFile(path(name, "ext"), extensions);
    await run(OPENSSL, ["x509", "-req", "-in", path(name, "csr"), "-CA", ca.certPath, "-CAkey", ca.keyPath, "-days", String(days), "-extfile", path(name, "ext"), "-out", path(name, "pem")]);
    return issued(name);
  };

  return {
    dir,
    async ca(name) {
      await run(OPENSSL, [
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
        "-keyout", path(name, "key"), "-out", path(name, "pem"), "-subj", `/CN=${name}`,
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
      ]);
      return issued(name);
    },
    async server(ca, name = "receiver") {
      await newKeyAndCsr(name, `/CN=${name}`);
      return sign(ca, name, 2, "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
    },
    async client(ca, name, opts = {}) {
      await newKeyAndCsr(name, `/CN=${name}/O=hookrelay tests`);
      return sign(ca, name, opts.days ?? 2, "extendedKeyUsage=clientAuth\n");
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
