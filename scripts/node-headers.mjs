// Prints the directory of the Node.js headers matching the project's Node
// (the node@24 package ships them), for node-gyp's --nodedir.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'node_modules', 'node', 'node_modules', `node-linux-${process.arch}`);
if (!existsSync(join(dir, 'include', 'node', 'node_api.h'))) {
  console.error(`node-headers: ${dir}/include/node is missing; run npm install first`);
  process.exit(1);
}
process.stdout.write(dir);
