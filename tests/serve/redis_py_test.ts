/**
 * redis-py, redis-cli and a Deno program share one embedded store file
 * through `rstream serve`. Needs a python3 with redis-py (Debian
 * `python3-redis`); ignored without one unless `RSTREAM_REQUIRE_REDIS=1`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { openEmbeddedConnection } from "../../lib/embedded/connection.ts";
import { serve } from "../../lib/serve/server.ts";
import { redisRequired } from "../_redis_server.ts";

async function findPython(): Promise<string | undefined> {
  for (const python of ["/usr/bin/python3", "python3"]) {
    try {
      const out = await new Deno.Command(python, { args: ["-c", "import redis"], stderr: "null" })
        .output();
      if (out.success) return python;
    } catch {
      // not there
    }
  }
  return undefined;
}

const python = await findPython();
if (python === undefined && !redisRequired()) {
  console.warn("redis-py test ignored: no python3 with redis-py (apt-get install python3-redis)");
}

const SCRIPT = `
import sys, redis
r = redis.Redis(port=int(sys.argv[1]), decode_responses=True)
r.xadd("app:event", {"sensor_id": "sensor2", "temp": "0.42"}, id="1-1")
r.xgroup_create("app:event", "g", id="0")
got = r.xreadgroup("g", "py", {"app:event": ">"}, count=10, block=100)
print(got[0][1][0][1]["temp"])
# Wait for the Deno program's own add, made on its own connection to the file.
print(r.xread({"app:event": "1-1"}, block=5000)[0][1][0][0])
p = r.pipeline(transaction=True)
p.xack("app:event", "g", "1-1")
p.xlen("app:event")
print(p.execute())
`;

Deno.test({
  name: "redis-py, redis-cli and a Deno program share one file store when served",
  ignore: python === undefined && !redisRequired(),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    assert.ok(python, "no python3 with redis-py (apt-get install python3-redis)");
    const dir = await Deno.makeTempDir();
    try {
      await using served = openEmbeddedConnection(`${dir}/edge.db`);
      await using server = serve({ connection: served, port: 0 });
      const child = new Deno.Command(python, {
        args: ["-c", SCRIPT, String(server.port)],
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      await using own = openEmbeddedConnection(`${dir}/edge.db`); // the Deno program
      // Once redis-py has read 1-1 (it is pending), the Deno program adds on its own connection.
      const pending = () =>
        own.send(["XPENDING", "app:event", "g"]).then((r) => (r as [number])[0], () => 0);
      for (let i = 0; i < 250 && await pending() === 0; i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      await own.send(["XADD", "app:event", "2-1", "from", "deno"]);
      const out = await child.output();
      assert.equal(new TextDecoder().decode(out.stderr), "");
      assert.equal(new TextDecoder().decode(out.stdout), "0.42\n2-1\n[1, 2]\n");
      const cli = await new Deno.Command("redis-cli", {
        args: ["-p", String(server.port), "XPENDING", "app:event", "g"],
        stdout: "piped",
      }).output();
      assert.equal(new TextDecoder().decode(cli.stdout), "0\n\n\n\n");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
