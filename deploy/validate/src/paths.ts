// Where things are: the repository root and the vendored schemas (all paths absolute).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** deploy/validate/src → the repository root. */
export const REPO_ROOT = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)));
export const VALIDATE_DIR = path.join(REPO_ROOT, 'deploy', 'validate');
export const SCHEMAS_DIR = path.join(VALIDATE_DIR, 'schemas');

/** The Kubernetes API version every manifest is validated against (the version docs/deploy-ec2.md installs). */
export const KUBERNETES_VERSION = '1.34.0';
export const K8S_SCHEMA_FILE = path.join(SCHEMAS_DIR, 'kubernetes', `v${KUBERNETES_VERSION}-strict.json`);
export const KEDA_VERSION = '2.18.1';
export const KEDA_CRD_FILE = path.join(SCHEMAS_DIR, 'keda', `keda.sh_scaledobjects-v${KEDA_VERSION}.yaml`);
export const COMPOSE_GO_VERSION = '2.16.2';
export const COMPOSE_SCHEMA_FILE = path.join(
  SCHEMAS_DIR,
  `compose-spec-compose-go-v${COMPOSE_GO_VERSION}.json`,
);
