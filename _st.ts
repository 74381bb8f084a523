import { startBenchRedis } from "./bench/_redis.ts";
import { peakRss, startupTimes } from "./bench/startup.ts";
const dir = await Deno.makeTempDir();
await using redis = await startBenchRedis(dir);
console.log(await startupTimes(redis.url, 5));
console.log(await peakRss(redis.url, 20000));
