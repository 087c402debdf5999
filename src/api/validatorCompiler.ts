import { Ajv, type AnySchema } from "ajv";
import addFormatsModule from "ajv-formats";
import type { FastifySchemaCompiler } from "fastify";

// ajv-formats is CommonJS with a default export function.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/**
 * Validation without surprises: JSON bodies are checked as sent (a number is not silently
 * turned into a string), while query strings and path parameters, which are always text,
 * are coerced to their schema types. Unknown fields are errors, never silently dropped.
 */
export function validatorCompiler(sharedSchemas: readonly AnySchema[]): FastifySchemaCompiler<AnySchema> {
  const make = (coerceTypes: false | "array") => {
    // verbose: errors carry their schema, so a schema's own `errorMessage` can be answered.
    const ajv = new Ajv({ coerceTypes, useDefaults: true, removeAdditional: false, allErrors: false, strict: false, verbose: true });
    addFormats(ajv);
    for (const schema of sharedSchemas) ajv.addSchema(schema);
    return ajv;
  };
  const strict = make(false);
  const coercing = make("array");
  return ({ schema, httpPart }) => (httpPart === "body" ? strict : coercing).compile(schema);
}
