// Test fixture standing in for a container (NOT the product's stand-in): prints what it was given,
// serves /healthz and /ready on its container ports at its pod IP, and can exit on demand.
import http from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const opt = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const root = process.env.SIM_ROOT ?? '/';
console.log(`started args=${JSON.stringify(args)} pod=${process.env.SIM_POD_NAME} ip=${process.env.SIM_POD_IP} FOO=${process.env.FOO ?? ''}`);
const file = opt('print-file');
if (file) { console.log(`file ${file}: ${readFileSync(join(root, file), 'utf8').trim()}`); }
console.error('a line on stderr');
const ports: Array<{ containerPort: number }> = JSON.parse(process.env.SIM_CONTAINER_PORTS ?? '[]');
for (const p of ports) {
  http.createServer((req, res) => {
    const unready = existsSync(join(root, 'tmp', 'unready'));
    res.writeHead(req.url === '/ready' && unready ? 503 : 200).end('ok');
  }).listen(p.containerPort, process.env.SIM_POD_IP || '0.0.0.0');
}
const after = opt('exit-after');
if (after) { setTimeout(() => process.exit(Number(opt('code') ?? 0)), Number(after)); }
else { setInterval(() => {}, 1 << 30); }
