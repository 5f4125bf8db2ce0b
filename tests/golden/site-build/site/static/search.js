// The search page: reads ?q=, asks search-core.js, lists title, date, category and a snippet.
// Built with DOM text nodes only: nothing from the index is parsed as HTML.
(function () {
  var form = document.getElementById("search-form"), box = document.getElementById("q");
  var status = document.getElementById("search-status"), list = document.getElementById("search-results");
  var unavailable = document.getElementById("search-unavailable");
  if (location.protocol === "file:" || !window.XxgkSearch || !window.fetch) {
    unavailable.hidden = false;
    return;
  }
  var searcher = new XxgkSearch.Searcher(function (path, kind) {
    return fetch("search/" + path, { cache: path === "meta.json" ? "no-cache" : "default" }).then(function (r) {
      if (!r.ok) throw new Error(r.status + " " + path);
      return kind === "bin" ? r.arrayBuffer() : r.json();
    });
  });
  var PAGE = 20, more = document.getElementById("search-more"), current = null, asked = "";
  // where a result links: "item/{id}.html" on an office's site; on the district portal, whose
  // ids are "<office>/<id>", "{office}/site/item/{id}.html"
  var itemHref = list.getAttribute("data-item-href") || "item/{id}.html";

  function href(id) {
    var cut = id.lastIndexOf("/");
    return itemHref.replace("{office}", function () { return encodeURIComponent(id.slice(0, cut)); })
                   .replace("{id}", function () { return encodeURIComponent(id.slice(cut + 1)); });
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }

  function say(results) {
    var q = "“" + asked + "”";
    if (results.done) {
      status.textContent = results.found ? "找到 " + results.found + " 条含" + q + "的信息（标题含有的在前，其余按发布时间从新到旧）。"
                                         : "未找到含" + q + "的信息。";
    } else {
      status.textContent = "已列出 " + list.children.length + " 条含" + q + "的信息（标题含有的在前，其余按发布时间从新到旧），还有更多。";
    }
  }

  function show(results) {
    return results.next(PAGE).then(function (hits) {
      if (results !== current) return;  // a newer query replaced this one
      hits.forEach(function (r) {
        var li = el("li"), a = el("a", "", r.title);
        a.href = href(r.id);
        li.appendChild(a);
        li.appendChild(el("span", "meta", r.date + " · " + r.category));
        li.appendChild(el("p", "snippet", r.snippet));
        list.appendChild(li);
      });
      more.hidden = results.done && !results.ready.length;
      say(results);
    });
  }

  function run(q) {
    list.textContent = "";
    more.hidden = true;
    current = null;
    asked = q.trim();
    if (!asked) { status.textContent = ""; return; }
    status.textContent = "正在检索…";
    searcher.query(q).then(function (results) {
      if (results.error) { status.textContent = results.error; return; }
      current = results;
      return show(results);
    }).catch(function () { status.textContent = "检索索引暂时无法加载，请稍后再试。"; });
  }

  more.addEventListener("click", function () { if (current) show(current); });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    history.replaceState(null, "", "?q=" + encodeURIComponent(box.value));
    run(box.value);
  });
  var q = new URLSearchParams(location.search).get("q") || "";
  box.value = q;
  run(q);
})();
