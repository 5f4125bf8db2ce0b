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
  var PAGE = 20, shown = [], more = document.getElementById("search-more");

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }

  function show(from) {
    shown.slice(from, from + PAGE).forEach(function (r) {
      var li = el("li"), a = el("a", "", r.title);
      a.href = "item/" + encodeURIComponent(r.id) + ".html";
      li.appendChild(a);
      li.appendChild(el("span", "meta", r.date + " · " + r.category));
      li.appendChild(el("p", "snippet", r.snippet));
      list.appendChild(li);
    });
    more.hidden = from + PAGE >= shown.length;
    more.dataset.next = from + PAGE;
  }

  function run(q) {
    list.textContent = "";
    more.hidden = true;
    if (!q.trim()) { status.textContent = ""; return; }
    status.textContent = "正在检索…";
    searcher.search(q).then(function (found) {
      if (found.error) { status.textContent = found.error; return; }
      shown = found.results;
      status.textContent = shown.length ? "找到 " + shown.length + " 条含“" + q.trim() + "”的信息（标题含有的在前，其余按发布时间从新到旧）。"
                                        : "未找到含“" + q.trim() + "”的信息。";
      show(0);
    }).catch(function () { status.textContent = "检索索引暂时无法加载，请稍后再试。"; });
  }

  more.addEventListener("click", function () { show(Number(more.dataset.next)); });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    history.replaceState(null, "", "?q=" + encodeURIComponent(box.value));
    run(box.value);
  });
  var q = new URLSearchParams(location.search).get("q") || "";
  box.value = q;
  run(q);
})();
