// Validate JSON exports with ajv in strict mode (JSON Schema draft 2020-12).
// Usage: node tests/js/validate_export.cjs SCHEMA_DIR EXPORT.json...
// Loads export, scenario and campaign schemas from SCHEMA_DIR (they refer to each
// other by $id). Prints one line per problem and exits 1 if any export is invalid.
"use strict";
const fs = require("fs");
const path = require("path");
const Ajv2020 = require("ajv/dist/2020");
const addFormats = require("ajv-formats");

const [schemaDir, ...files] = process.argv.slice(2);
const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);
const load = (name) => JSON.parse(fs.readFileSync(path.join(schemaDir, name + ".schema.json"), "utf8"));
ajv.addSchema(load("scenario"));
ajv.addSchema(load("campaign"));
const validate = ajv.compile(load("export"));
let failed = false;
for (const file of files) {
  const data = JSON.parse(fs.readFileSync(file, "utf8"));
  if (validate(data)) {
    console.log(file + ": valid");
  } else {
    failed = true;
    for (const e of validate.errors) console.log(file + ": " + e.instancePath + " " + e.message);
  }
}
process.exit(failed ? 1 : 0);
