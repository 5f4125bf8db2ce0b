// Runs site/static/search-core.js under Node over a site's search/ folder, as the browser
// does but reading files: `node search_node.js CORE_JS SEARCH_DIR < queries (JSON lines)`
// prints one JSON line per query: [query, error, [[item id, in title], ...]]. Used by
// bench/search.py and tests/test_search.py.
const fs = require("fs"), path = require("path"), readline = require("readline");
const core = require(path.resolve(process.argv[2]));
const dir = process.argv[3];
const searcher = new core.Searcher((p, kind) => {
  const b = fs.readFileSync(path.join(dir, p.split("?")[0]));
  return kind === "bin" ? b.buffer.slice(b.byteOffset, b.byteOffset + b.length) : JSON.parse(b.toString("utf8"));
});
(async () => {
  for await (const line of readline.createInterface({ input: process.stdin })) {
    if (!line.trim()) continue;
    // A query, or [query, page size]: then the results are asked for a page at a time, as the page does.
    const asked = JSON.parse(line), [q, page] = Array.isArray(asked) ? asked : [asked, 0];
    let error, results;
    if (page) {
      const r = await searcher.query(q);
      results = [];
      for (let hits; (hits = await r.next(page)).length;) results.push(...hits);
      error = r.error;
    } else {
      ({ error, results } = await searcher.search(q));
    }
    process.stdout.write(JSON.stringify([asked, error, results.map((x) => [x.id, x.inTitle])]) + "\n");
  }
})();
