// The search engine over site/search/ (pipeline/publish/search.py writes it): a query's
// character pairs give candidates from the static shards, each candidate is then checked
// as an exact substring of its stored title and text. Title matches first, then newest.
// Runs in the browser (search.js) and under Node (the tests and `make bench`), given a
// load(path, kind) that returns an ArrayBuffer ("bin") or parsed JSON ("json").
(function (root) {
  "use strict";

  function normalize(s) {  // as normalize() in search.py
    return s.normalize("NFKC").toLowerCase().split(/\s+/).filter(Boolean).join(" ");
  }

  function pairKey(a, b) {  // as pair_keys()/_mix() in search.py
    var k = (Math.imul(a, 65599) + b) >>> 0;
    k = (k ^ (k >>> 16)) >>> 0;
    k = Math.imul(k, 0x45d9f3b) >>> 0;
    return (k ^ (k >>> 16)) >>> 0;
  }

  function termKeys(term) {
    var cps = Array.from(term, function (c) { return c.codePointAt(0); }), out = [];
    for (var i = 0; i + 1 < cps.length; i++) if (out.indexOf(pairKey(cps[i], cps[i + 1])) < 0) out.push(pairKey(cps[i], cps[i + 1]));
    return out;
  }

  function Searcher(load) {
    this.load = load;
    this.shards = {};
    this.chunks = {};
    this.ready = null;
  }

  Searcher.prototype.open = function () {
    var self = this;
    if (!this.ready) {
      this.ready = Promise.resolve(this.load("meta.json", "json")).then(function (meta) {
        self.meta = meta;
        return self.load(meta.version + "/dates.bin", "bin");
      }).then(function (buf) { self.dates = new Uint32Array(buf); });
    }
    return this.ready;
  };

  Searcher.prototype.shard = function (folder, count, key) {
    var n = count > 1 ? (key & (count - 1)) >>> 0 : 0, name = this.meta.version + "/" + folder + "/" + n + ".bin";
    if (!this.shards[name]) {
      this.shards[name] = Promise.resolve(this.load(name, "bin")).then(function (buf) { return new Uint32Array(buf); });
    }
    return this.shards[name];
  };

  // The documents holding pair ``key``, in the text (field 0) or the title (field 1), base and delta.
  Searcher.prototype.postings = function (key, field) {
    var m = this.meta;
    return Promise.all([this.shard("b", m.shards, key), this.shard("d", m.delta_shards, key)]).then(function (files) {
      var out = [];
      files.forEach(function (u) {
        var n = u[0], lo = 1, hi = 1 + n;
        while (lo < hi) { var mid = (lo + hi) >>> 1; if (u[mid] < key) lo = mid + 1; else hi = mid; }
        if (lo >= 1 + n || u[lo] !== key) return;
        var i = lo - 1, offs = 1 + n + field * (n + 1), start = 3 + 3 * n + (field ? u[1 + n + n] : 0);
        for (var j = u[offs + i]; j < u[offs + i + 1]; j++) out.push(u[start + j]);
      });
      return out;
    });
  };

  Searcher.prototype.candidates = function (terms, field) {
    var self = this, keys = [];
    terms.forEach(function (t) { termKeys(t).forEach(function (k) { if (keys.indexOf(k) < 0) keys.push(k); }); });
    return Promise.all(keys.map(function (k) { return self.postings(k, field); })).then(function (lists) {
      lists.sort(function (a, b) { return a.length - b.length; });
      var set = new Set(lists[0]);
      for (var i = 1; i < lists.length && set.size; i++) {
        var next = new Set(lists[i]);
        set.forEach(function (d) { if (!next.has(d)) set.delete(d); });
      }
      return set;
    });
  };

  Searcher.prototype.doc = function (n) {
    var k = Math.floor(n / this.meta.chunk), name = this.meta.version + "/docs/" + k + ".json";
    if (!this.chunks[name]) this.chunks[name] = Promise.resolve(this.load(name, "json"));
    return this.chunks[name].then(function (chunk) { return chunk[n % chunk.length]; });
  };

  // A query: {terms, error} ; terms of one character cannot be looked up by pairs.
  function parse(q) {
    var terms = normalize(q || "").split(" ").filter(Boolean);
    if (!terms.length) return { terms: [], error: "" };
    if (!terms.some(function (t) { return Array.from(t).length >= 2; })) return { terms: terms, error: "请至少输入两个字。" };
    return { terms: terms, error: "" };
  }

  // A query's results, ranked (title matches first, then newest), checked a batch at a time
  // as they are asked for: a page of results fetches only the documents it needs.
  Searcher.prototype.query = function (q) {
    var self = this, query = parse(q);
    if (query.error || !query.terms.length) return Promise.resolve(new Results(this, query, [], []));
    var indexed = query.terms.filter(function (t) { return Array.from(t).length >= 2; });
    return this.open().then(function () {
      return Promise.all([self.candidates(indexed, 0), self.candidates(indexed, 1)]);
    }).then(function (sets) {
      var dates = self.dates, newest = function (a, b) { return (dates[b] - dates[a]) || (b - a); };
      var live = Array.from(sets[0]).filter(function (n) { return dates[n] > 0; });
      var inTitle = live.filter(function (n) { return sets[1].has(n); }).sort(newest);
      var rest = live.filter(function (n) { return !sets[1].has(n); }).sort(newest);
      return new Results(self, query, inTitle, rest);
    });
  };

  // Every matching document, ranked: {error, results: [{id, title, date, category, snippet, inTitle}]}.
  Searcher.prototype.search = function (q) {
    return this.query(q).then(function (r) {
      return r.next(Infinity).then(function (hits) { return { error: r.error, results: hits }; });
    });
  };

  var BATCH = 32;

  function Results(searcher, query, titled, rest) {
    this.s = searcher;
    this.terms = query.terms;
    this.error = query.error;
    this.titled = titled;  // candidates whose title holds every pair of the query
    this.rest = rest;
    this.at = 0;  // next candidate: titled first, then rest
    this.demoted = [];  // titled candidates found in the text only: they rank among the rest
    this.ready = [];
    this.found = 0;
    this.done = !(titled.length + rest.length);
  }

  // Up to ``k`` more results, in rank order.
  Results.prototype.next = function (k) {
    var self = this;
    if (this.ready.length >= k || this.done) {
      var out = this.ready.splice(0, k);
      return Promise.resolve(out);
    }
    return this.step().then(function () { return self.next(k); });
  };

  Results.prototype.step = function () {
    var self = this, s = this.s, dates = s.dates, inTitled = this.at < this.titled.length;
    var list = inTitled ? this.titled : this.rest, from = inTitled ? this.at : this.at - this.titled.length;
    var batch = list.slice(from, from + BATCH);
    this.at += batch.length;
    return Promise.all(batch.map(function (n) {
      return s.doc(n).then(function (d) { var hit = check(d, self.terms); if (hit) { hit.n = n; hit.at = dates[n]; } return hit; });
    })).then(function (hits) {
      hits = hits.filter(Boolean);
      if (inTitled) {
        hits.forEach(function (h) { (h.inTitle ? self.ready : self.demoted).push(h); });
        self.found += hits.filter(function (h) { return h.inTitle; }).length;
      } else {
        var finished = self.at >= self.titled.length + self.rest.length;
        var last = batch[batch.length - 1];  // no later candidate ranks above it
        var before = finished ? self.demoted : self.demoted.filter(function (h) {
          return h.at > dates[last] || (h.at === dates[last] && h.n > last);
        });
        self.demoted = finished ? [] : self.demoted.filter(function (h) { return before.indexOf(h) < 0; });
        var merged = hits.concat(before).sort(function (a, b) { return (b.at - a.at) || (b.n - a.n); });
        self.ready = self.ready.concat(merged);
        self.found += merged.length;
      }
      if (self.at >= self.titled.length + self.rest.length && !self.demoted.length) self.done = true;
      else if (self.at >= self.titled.length + self.rest.length) {  // no text candidates at all
        self.ready = self.ready.concat(self.demoted);
        self.found += self.demoted.length;
        self.demoted = [];
        self.done = true;
      }
    });
  };

  function check(d, terms) {
    if (!d) return null;
    var title = normalize(d[1]), text = normalize(d[4]);
    var inTitle = terms.every(function (t) { return title.indexOf(t) >= 0; });
    if (!terms.every(function (t) { return title.indexOf(t) >= 0 || text.indexOf(t) >= 0; })) return null;
    return { id: d[0], title: d[1], date: d[2], category: d[3], text: d[4], inTitle: inTitle, snippet: snippet(d[4], terms) };
  }

  // Up to 100 characters of the text around the first match, with … where it is cut.
  function snippet(text, terms) {
    var flat = normalize(text), at = -1;
    for (var i = 0; i < terms.length && at < 0; i++) at = flat.indexOf(terms[i]);
    var plain = text.split(/\s+/).filter(Boolean).join(" ");
    if (at < 0) at = 0;
    var from = Math.max(0, at - 30), to = Math.min(plain.length, from + 100);
    return (from > 0 ? "…" : "") + plain.slice(from, to) + (to < plain.length ? "…" : "");
  }

  var api = { Searcher: Searcher, normalize: normalize, pairKey: pairKey, parse: parse };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.XxgkSearch = api;
})(this);
