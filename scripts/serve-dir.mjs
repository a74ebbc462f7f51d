#!/usr/bin/env node
// Serves one folder's files over HTTP on 127.0.0.1 (a free port, printed on stdout) until killed:
// scripts/native-engine.sh hands tfjs-node's install script a libtensorflow tarball this way.
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import * as path from 'node:path';

const root = path.resolve(process.argv[2] ?? '.');
const server = createServer((req, res) => {
  const name = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '');
  const file = path.join(root, name);
  let size = -1;
  try {
    if (!name.includes('/') && !name.startsWith('.')) size = statSync(file).size;
  } catch {}
  if (size < 0) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-length': size, 'content-type': 'application/gzip' });
  createReadStream(file).pipe(res);
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
