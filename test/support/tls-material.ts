/**
 * Throw-away TLS material for tests, made with the openssl CLI (async; ~0.3-0.6 s in total).
 *
 * - ca.pem/ca.key: self-signed test CA
 * - server.pem/server.key: signed by the CA, CN=localhost, SAN DNS:localhost,IP:127.0.0.1,
 *   extendedKeyUsage serverAuth
 * - client.pem/client.key: signed by the CA, CN=guest, extendedKeyUsage clientAuth
 * - client.enc.key: the same client key, PKCS#8 encrypted with passphrase 'secret-pass'
 * - other-ca.pem: a second, unrelated CA (for "unknown CA" tests), plus other-client.pem/.key,
 *   a client certificate signed by that other CA (the server must reject it)
 *
 * All keys are unencrypted RSA 2048 in PKCS#8 PEM unless stated otherwise.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { runOk } from './exec.js';

export const CLIENT_KEY_PASSPHRASE = 'secret-pass';

export interface TlsMaterial {
  dir: string;
  /** CA that signed the server and client certificates. */
  caPath: string;
  /** Server certificate (CN=localhost). */
  certPath: string;
  /** Server key. */
  keyPath: string;
  clientCertPath: string;
  clientKeyPath: string;
  /** Client key encrypted with CLIENT_KEY_PASSPHRASE. */
  clientKeyEncryptedPath: string;
  clientKeyPassphrase: string;
  /** An unrelated CA. */
  otherCaPath: string;
  /** A client certificate/key signed by the unrelated CA. */
  otherClientCertPath: string;
  otherClientKeyPath: string;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
  clientCert: Buffer;
  clientKey: Buffer;
  clientKeyEncrypted: Buffer;
  otherCa: Buffer;
  otherClientCert: Buffer;
  otherClientKey: Buffer;
}

const OPENSSL_CNF = `
[req]
distinguished_name = dn
prompt = no

[dn]
CN = placeholder

[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash

[server_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[client_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

const OPENSSL = process.env.OPENSSL ?? 'openssl';
const T = { timeoutMs: 30_000 };

function serial(): string {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f; // keep it positive
  return `0x${b.toString('hex')}`;
}

async function makeCa(dir: string, cnf: string, base: string, cn: string): Promise<void> {
  await runOk(
    OPENSSL,
    [
      'req',
      '-x509',
      '-new',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-sha256',
      '-days',
      '3650',
      '-keyout',
      path.join(dir, `${base}.key`),
      '-out',
      path.join(dir, `${base}.pem`),
      '-subj',
      `/CN=${cn}`,
      '-config',
      cnf,
      '-extensions',
      'ca_ext',
      '-set_serial',
      serial(),
    ],
    T,
  );
}

async function makeLeaf(
  dir: string,
  cnf: string,
  base: string,
  cn: string,
  caBase: string,
  ext: string,
): Promise<void> {
  const csr = path.join(dir, `${base}.csr`);
  await runOk(
    OPENSSL,
    [
      'req',
      '-new',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-sha256',
      '-keyout',
      path.join(dir, `${base}.key`),
      '-out',
      csr,
      '-subj',
      `/CN=${cn}`,
      '-config',
      cnf,
    ],
    T,
  );
  await runOk(
    OPENSSL,
    [
      'x509',
      '-req',
      '-in',
      csr,
      '-sha256',
      '-days',
      '825',
      '-CA',
      path.join(dir, `${caBase}.pem`),
      '-CAkey',
      path.join(dir, `${caBase}.key`),
      '-set_serial',
      serial(),
      '-extfile',
      cnf,
      '-extensions',
      ext,
      '-out',
      path.join(dir, `${base}.pem`),
    ],
    T,
  );
  await fs.rm(csr, { force: true });
}

/** Creates the material in `dir` (created if missing; existing files are overwritten). */
export async function makeTlsMaterial(dir: string): Promise<TlsMaterial> {
  await fs.mkdir(dir, { recursive: true });
  const cnf = path.join(dir, 'openssl.cnf');
  await fs.writeFile(cnf, OPENSSL_CNF);

  await Promise.all([
    (async () => {
      await makeCa(dir, cnf, 'ca', 'nestjs-dramatiq-broker test CA');
      await Promise.all([
        makeLeaf(dir, cnf, 'server', 'localhost', 'ca', 'server_ext'),
        (async () => {
          await makeLeaf(dir, cnf, 'client', 'guest', 'ca', 'client_ext');
          await runOk(
            OPENSSL,
            [
              'pkey',
              '-in',
              path.join(dir, 'client.key'),
              '-out',
              path.join(dir, 'client.enc.key'),
              '-aes256',
              '-passout',
              `pass:${CLIENT_KEY_PASSPHRASE}`,
            ],
            T,
          );
        })(),
      ]);
    })(),
    (async () => {
      await makeCa(dir, cnf, 'other-ca', 'unrelated test CA');
      await makeLeaf(dir, cnf, 'other-client', 'guest', 'other-ca', 'client_ext');
    })(),
  ]);

  const p = (f: string): string => path.join(dir, f);
  const m = {
    dir,
    caPath: p('ca.pem'),
    certPath: p('server.pem'),
    keyPath: p('server.key'),
    clientCertPath: p('client.pem'),
    clientKeyPath: p('client.key'),
    clientKeyEncryptedPath: p('client.enc.key'),
    clientKeyPassphrase: CLIENT_KEY_PASSPHRASE,
    otherCaPath: p('other-ca.pem'),
    otherClientCertPath: p('other-client.pem'),
    otherClientKeyPath: p('other-client.key'),
  };
  const [ca, cert, key, clientCert, clientKey, clientKeyEncrypted, otherCa, otherClientCert, otherClientKey] =
    await Promise.all(
      [
        m.caPath,
        m.certPath,
        m.keyPath,
        m.clientCertPath,
        m.clientKeyPath,
        m.clientKeyEncryptedPath,
        m.otherCaPath,
        m.otherClientCertPath,
        m.otherClientKeyPath,
      ].map((f) => fs.readFile(f)),
    );
  return {
    ...m,
    ca: ca!,
    cert: cert!,
    key: key!,
    clientCert: clientCert!,
    clientKey: clientKey!,
    clientKeyEncrypted: clientKeyEncrypted!,
    otherCa: otherCa!,
    otherClientCert: otherClientCert!,
    otherClientKey: otherClientKey!,
  };
}
