import * as fs from 'fs';

/**
 * Preloaded into a process (`node -r out/test/bench/max-rss.js …`) to write its peak resident
 * memory, whole process, to the file named by PODPATH_MAX_RSS_OUT when it exits.
 */
const out = process.env.PODPATH_MAX_RSS_OUT;
if (out) {
  process.on('exit', () => {
    // resourceUsage().maxRSS is in kilobytes (getrusage ru_maxrss on Linux).
    fs.writeFileSync(out, String(process.resourceUsage().maxRSS * 1024));
  });
}
