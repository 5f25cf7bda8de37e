/**
 * `npm run openapi`: writes docs/openapi.json from the code (functions/api/openapi.ts). A test fails when the file
 * is stale, so run this after changing a route or its schemas.
 */
import { writeFile } from 'node:fs/promises';
import { openApiDocument } from '../../functions/api/openapi.ts';

const target = new URL('../../docs/openapi.json', import.meta.url);
await writeFile(target, `${JSON.stringify(openApiDocument(), null, 2)}\n`);
process.stdout.write(`wrote ${target.pathname}\n`);
