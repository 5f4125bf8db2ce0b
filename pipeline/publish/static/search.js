// The search page: Pagefind's UI over site/pagefind/ (no search server). From file://
// the browser refuses to fetch the index, so say so instead of showing a dead box.
(function () {
  var unavailable = document.getElementById("search-unavailable");
  if (location.protocol === "file:" || typeof PagefindUI === "undefined") {
    unavailable.hidden = false;
    return;
  }
  new PagefindUI({ element: "#search", showSubResults: false, showImages: false, resetStyles: false,
                   translations: { placeholder: "输入关键词检索", zero_results: "未找到与“[SEARCH_TERM]”相关的信息" } });
})();
