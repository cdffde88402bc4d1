import assert from 'node:assert/strict';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/**
 * Validates a response body against the OpenAPI 3.1 document's schema for (path, GET, status). The
 * document is loaded whole so its `#/components/...` references resolve.
 */
export function openApiValidator(document: object) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);
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
