// Renders a kustomization with the pinned kustomize, installed by scripts/install-kustomize.sh (the same
// script .ci/run uses) into ~/.cache/tillstream/ on first use.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { VALIDATE_DIR } from './paths.js';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: unknown;
}

let binary: string | undefined;

/** The kustomize binary's path, building it once (about 20 s cold, from the Go module cache after that). */
export function kustomizeBinary(): string {
  binary ??= execFileSync('bash', [path.join(VALIDATE_DIR, 'scripts', 'install-kustomize.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  return binary;
}

/** The objects `kustomize build <dir>` renders. */
export function kustomizeBuild(dir: string): K8sObject[] {
  const output = execFileSync(kustomizeBinary(), ['build', dir], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return parseObjects(output);
}

/** Parses a multi-document YAML stream into objects, failing on any YAML error. */
export function parseObjects(text: string): K8sObject[] {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(doc.errors.map((e) => e.message).join('\n'));
    const value = doc.toJS() as K8sObject | null;
    return value ? [value] : [];
  });
}
