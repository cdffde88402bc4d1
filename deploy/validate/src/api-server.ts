// A real Kubernetes API server for validating manifests: Debian's etcd and kube-apiserver (built from the Go
// module proxy by deploy/k8s-local/scripts/build-kubernetes.sh), on loopback ports, with certificates
// generated here, a static token, and the admission plugins a cluster runs (PodSecurity among them).
// No controller-manager, scheduler or node: objects are stored and admitted, nothing runs.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@tillstream/stack/harness';
import { REPO_ROOT } from './paths.js';

/** The Kubernetes release built and started; its minor is the one the manifests are validated against. */
export const API_SERVER_VERSION = 'v1.34.4';

const BUILD_SCRIPT = path.join(REPO_ROOT, 'deploy', 'k8s-local', 'scripts', 'build-kubernetes.sh');

export const ADMISSION_PLUGINS = [
  'NamespaceLifecycle',
  'LimitRanger',
  'ServiceAccount',
  'DefaultStorageClass',
  'DefaultTolerationSeconds',
  'ResourceQuota',
  'PodSecurity',
  'MutatingAdmissionWebhook',
  'ValidatingAdmissionWebhook',
  'ValidatingAdmissionPolicy',
];

export interface KubectlResult {
  status: number;
  stdout: string;
  stderr: string;
}

export interface ApiServer {
  readonly kubeconfig: string;
  readonly binDir: string;
  /** Runs the built kubectl against this server; never throws on a non-zero exit. */
  kubectl(args: string[], input?: string): KubectlResult;
  stop(): Promise<void>;
}

/** The directory holding kube-apiserver and kubectl, building them once (about 10 min cold). */
export function kubernetesBinDir(): string {
  return execFileSync('bash', [BUILD_SCRIPT, 'kube-apiserver', 'kubectl'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}

function etcdBinary(): string {
  const found = spawnSync('bash', ['-c', 'command -v etcd'], { encoding: 'utf8' });
  if (found.status !== 0) throw new Error('etcd is not installed (apt-get install etcd-server)');
  return found.stdout.trim();
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA, a serving certificate for 127.0.0.1 signed by it, and the service-account signing key pair. */
function generateCertificates(dir: string): void {
  const days = ['-days', '2'];
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      ...days,
      '-subj',
      '/CN=tillstream-test-ca',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
    ],
    dir,
  );
  writeFileSync(path.join(dir, 'serving.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(
    [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=kube-apiserver',
      '-keyout',
      'apiserver.key',
      '-out',
      'apiserver.csr',
    ],
    dir,
  );
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'apiserver.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      ...days,
      '-extfile',
      'serving.ext',
      '-out',
      'apiserver.crt',
    ],
    dir,
  );
  openssl(['genrsa', '-out', 'service-account.key', '2048'], dir);
  openssl(['rsa', '-in', 'service-account.key', '-pubout', '-out', 'service-account.pub'], dir);
}

function startProcess(command: string, args: string[], logs: string[]): ChildProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk: Buffer) => {
    logs.push(chunk.toString());
    if (logs.length > 400) logs.splice(0, logs.length - 400);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return child;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** Starts etcd and kube-apiserver in a fresh temporary directory and waits until the server is ready. */
export async function startApiServer(): Promise<ApiServer> {
  const binDir = kubernetesBinDir();
  const etcd = etcdBinary();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tillstream-apiserver-'));
  const children: ChildProcess[] = [];
  const logs: string[] = [];
  const stop = async () => {
    for (const child of [...children].reverse()) await stopProcess(child);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    generateCertificates(dir);
    const token = `tillstream-${process.pid}-${Date.now()}`;
    writeFileSync(path.join(dir, 'tokens.csv'), `${token},tillstream-admin,1000,"system:masters"\n`);
    const [etcdClientPort, etcdPeerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const etcdClient = `http://127.0.0.1:${etcdClientPort}`;
    const etcdPeer = `http://127.0.0.1:${etcdPeerPort}`;
    children.push(
      startProcess(
        etcd,
        [
          '--name=validate',
          `--data-dir=${path.join(dir, 'etcd')}`,
          `--listen-client-urls=${etcdClient}`,
          `--advertise-client-urls=${etcdClient}`,
          `--listen-peer-urls=${etcdPeer}`,
          `--initial-advertise-peer-urls=${etcdPeer}`,
          `--initial-cluster=validate=${etcdPeer}`,
          '--log-level=warn',
        ],
        logs,
      ),
    );
    children.push(
      startProcess(
        path.join(binDir, 'kube-apiserver'),
        [
          `--etcd-servers=${etcdClient}`,
          '--bind-address=127.0.0.1',
          `--secure-port=${apiPort}`,
          // kube-apiserver refuses a loopback advertise address only for the `kubernetes` Service's
          // endpoints; with no endpoint reconciler (and no pods to use them) everything stays on loopback.
          '--advertise-address=127.0.0.1',
          '--endpoint-reconciler-type=none',
          `--cert-dir=${path.join(dir, 'certs')}`,
          `--tls-cert-file=${path.join(dir, 'apiserver.crt')}`,
          `--tls-private-key-file=${path.join(dir, 'apiserver.key')}`,
          `--token-auth-file=${path.join(dir, 'tokens.csv')}`,
          '--authorization-mode=RBAC',
          '--service-account-issuer=https://kubernetes.default.svc',
          `--service-account-key-file=${path.join(dir, 'service-account.pub')}`,
          `--service-account-signing-key-file=${path.join(dir, 'service-account.key')}`,
          '--service-cluster-ip-range=10.96.0.0/16',
          `--enable-admission-plugins=${ADMISSION_PLUGINS.join(',')}`,
          '--profiling=false',
          '--v=1',
        ],
        logs,
      ),
    );

    const kubeconfig = path.join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '  - name: validate',
        '    cluster:',
        `      server: https://127.0.0.1:${apiPort}`,
        `      certificate-authority: ${path.join(dir, 'ca.crt')}`,
        'users:',
        '  - name: admin',
        '    user:',
        `      token: ${token}`,
        'contexts:',
        '  - name: validate',
        '    context: { cluster: validate, user: admin }',
        'current-context: validate',
        '',
      ].join('\n'),
    );
    const kubectl = (args: string[], input?: string): KubectlResult => {
      const result = spawnSync(path.join(binDir, 'kubectl'), [`--kubeconfig=${kubeconfig}`, ...args], {
        encoding: 'utf8',
        input,
        maxBuffer: 64 * 1024 * 1024,
        timeout: 120_000,
      });
      return { status: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
    };

    const deadline = Date.now() + 120_000;
    for (;;) {
      const exited = children.find((c) => c.exitCode !== null);
      if (exited) throw new Error(`${exited.spawnfile} exited with ${exited.exitCode}`);
      if (kubectl(['get', '--raw=/readyz']).stdout.trim() === 'ok') break;
      if (Date.now() > deadline) throw new Error('kube-apiserver was not ready within 120 s');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return { kubeconfig, binDir, kubectl, stop };
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n--- last output ---\n${logs.join('').slice(-4000)}`);
  }
}
