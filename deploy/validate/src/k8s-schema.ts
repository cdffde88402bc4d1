// Validates rendered objects against the pinned Kubernetes API schema (vendored strict JSON schemas:
// unknown fields are rejected) and custom resources against their CRD's openAPIV3Schema (made strict the
// same way the API server prunes: objects without x-kubernetes-preserve-unknown-fields take no other field).
import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import type { K8sObject } from './kustomize.js';
import { K8S_SCHEMA_FILE, KEDA_CRD_FILE } from './paths.js';

type Schema = Record<string, unknown>;

/** A CRD's structural schema as a strict JSON schema. */
export function strictCrdSchema(node: Schema): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'properties' && value && typeof value === 'object') {
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, Schema>).map(([k, v]) => [k, strictCrdSchema(v)]),
      );
    } else if ((key === 'items' || key === 'additionalProperties') && value && typeof value === 'object') {
      out[key] = strictCrdSchema(value as Schema);
    } else if (['allOf', 'anyOf', 'oneOf'].includes(key) && Array.isArray(value)) {
      out[key] = value.map((v: Schema) => strictCrdSchema(v));
    } else if (key === 'nullable' || key.startsWith('x-kubernetes-')) {
      // handled below
    } else {
      out[key] = value;
    }
  }
  if (node['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (node.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  if (
    node.type === 'object' &&
    node['x-kubernetes-preserve-unknown-fields'] !== true &&
    !('additionalProperties' in node)
  )
    out.additionalProperties = false;
  return out;
}

export interface SchemaValidator {
  /** Errors of one object (empty when valid), each prefixed with kind/name. */
  errors(object: K8sObject): string[];
  /** apiVersion/kind pairs the validator knows. */
  readonly known: ReadonlySet<string>;
}

interface Crd {
  spec: {
    group: string;
    names: { kind: string };
    versions: { name: string; schema: { openAPIV3Schema: Schema } }[];
  };
}

export function createSchemaValidator(crdFiles: readonly string[] = [KEDA_CRD_FILE]): SchemaValidator {
  // Formats (int32, int64, byte, date-time…) are not checked: the types and fields are what matter here.
  const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false });
  const k8s = JSON.parse(readFileSync(K8S_SCHEMA_FILE, 'utf8')) as { $defs: Record<string, Schema> };
  ajv.addSchema({ $id: 'k8s.json', $defs: k8s.$defs });
  const byKind = new Map<string, () => ValidateFunction>();
  for (const [name, def] of Object.entries(k8s.$defs)) {
    const gvks = def['x-kubernetes-group-version-kind'] as
      { group: string; version: string; kind: string }[] | undefined;
    for (const gvk of gvks ?? []) {
      const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
      let compiled: ValidateFunction | undefined;
      byKind.set(
        `${apiVersion}/${gvk.kind}`,
        () => (compiled ??= ajv.compile({ $ref: `k8s.json#/$defs/${name}` })),
      );
    }
  }
  for (const file of crdFiles) {
    const crd = parse(readFileSync(file, 'utf8')) as Crd;
    for (const version of crd.spec.versions) {
      let compiled: ValidateFunction | undefined;
      const schema = strictCrdSchema(version.schema.openAPIV3Schema);
      // The API server validates a custom resource's metadata as ObjectMeta, whatever the CRD says.
      (schema.properties as Record<string, Schema>).metadata = {
        $ref: 'k8s.json#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
      };
      byKind.set(
        `${crd.spec.group}/${version.name}/${crd.spec.names.kind}`,
        () => (compiled ??= ajv.compile(schema)),
      );
    }
  }
  return {
    known: new Set(byKind.keys()),
    errors(object) {
      const label = `${object.kind}/${object.metadata?.name ?? '?'}`;
      const validate = byKind.get(`${object.apiVersion}/${object.kind}`);
      if (!validate)
        return [`${label}: no schema for ${object.apiVersion} ${object.kind} (not a vendored kind)`];
      const fn = validate();
      if (fn(object)) return [];
      return (fn.errors ?? []).map((e) => {
        const extra =
          e.keyword === 'additionalProperties'
            ? ` '${(e.params as { additionalProperty: string }).additionalProperty}'`
            : '';
        return `${label}: ${e.instancePath || '/'} ${e.message ?? 'invalid'}${extra}`;
      });
    },
  };
}
