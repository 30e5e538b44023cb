// Certificates for the simulated API server, made with the openssl CLI so nothing here hand-rolls X.509.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const run = promisify(execFile);

export interface ServerCerts { caPem: string; certPem: string; keyPem: string; dir: string }

/** A fresh CA and a server certificate for 127.0.0.1/localhost under `stateDir/pki`. */
export async function makeCerts(stateDir: string): Promise<ServerCerts> {
  const dir = join(stateDir, 'pki');
  await mkdir(dir, { recursive: true });
  const p = (f: string) => join(dir, f);
  // EC keys: generation takes milliseconds where RSA takes a noticeable fraction of a second.
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', ['req', '-x509', ...ec, '-keyout', p('ca.key'), '-out', p('ca.crt'), '-days', '3650', '-subj', '/CN=sim-kubernetes-ca',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature']);
  await run('openssl', ['req', ...ec, '-keyout', p('apiserver.key'), '-out', p('apiserver.csr'), '-subj', '/CN=kube-apiserver']);
  await writeFile(p('apiserver.ext'), [
    'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:10.96.0.1',
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    '',
  ].join('\n'));
  await run('openssl', ['x509', '-req', '-in', p('apiserver.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial',
    '-out', p('apiserver.crt'), '-days', '3650', '-extfile', p('apiserver.ext')]);
  const [caPem, certPem, keyPem] = await Promise.all([readFile(p('ca.crt'), 'utf8'), readFile(p('apiserver.crt'), 'utf8'), readFile(p('apiserver.key'), 'utf8')]);
  return { caPem, certPem, keyPem, dir };
}
