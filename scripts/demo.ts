// `npm run demo`: waits until every service answers /health/ready, then reports what it found.
const services = { order: 3001, payment: 3002, inventory: 3003 } as const;
const deadline = Date.now() + 120_000;

async function ready(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200;
  } catch {
    return false;
  }
}

const status: Record<string, boolean> = {};
for (const [name, port] of Object.entries(services)) {
  while (!(status[name] = await ready(port)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
}
console.log(JSON.stringify({ ready: status }));
process.exitCode = Object.values(status).every(Boolean) ? 0 : 1;
