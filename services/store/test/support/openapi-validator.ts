import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * Validates a response body against the OpenAPI 3.0 document's schema for (path, GET, status). The
 * document is loaded whole so its `#/components/...` references resolve. OpenAPI 3.0 schema objects are
 * a subset of JSON Schema draft 7 (ajv's default) plus `x-` extensions, which a non-strict ajv ignores.
 */
export function openApiValidator(document: object) {
  const ajv = new Ajv({ strict: false, allErrors: true });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  ajv.addSchema({ ...document, $id: 'openapi' });
  return (path: string, status: number, body: unknown) => {
    const pointer = `/paths/${path.replace(/~/g, '~0').replace(/\//g, '~1')}/get/responses/${status}/content/application~1json/schema`;
    const validate = ajv.getSchema(`openapi#${pointer}`);
    assert.ok(validate, `the document has no schema for GET ${path} ${status}`);
    assert.ok(
      validate(body),
      `GET ${path} ${status}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body)}`,
    );
  };
}
