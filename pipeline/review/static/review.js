// Keyboard shortcuts for the queue (the page works without them): j/k move, a accepts, x ticks;
// a "select page" box ticks every row; accepting everything that matches asks first.
(function () {
  var all = document.getElementById('select-page');
  if (all) {
    all.parentNode.hidden = false;
    all.addEventListener('change', function () {
      document.querySelectorAll('.queue .row input[type=checkbox]').forEach(function (box) { box.checked = all.checked; });
    });
  }
  document.querySelectorAll('button[data-confirm]').forEach(function (button) {
    button.addEventListener('click', function (e) { if (!window.confirm(button.dataset.confirm)) e.preventDefault(); });
  });
})();
(function () {
  var rows = Array.prototype.slice.call(document.querySelectorAll('.queue .row'));
  if (!rows.length) return;
  var at = 0;
  function focus(i) {
    rows[at].classList.remove('current');
    at = Math.max(0, Math.min(rows.length - 1, i));
    rows[at].classList.add('current');
    rows[at].focus();
  }
  rows[0].classList.add('current');
  document.addEventListener('keydown', function (e) {
    var tag = (e.target.tagName || '').toLowerCase();
    if (tag === 'input' || tag === 'select' || tag === 'textarea' || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === 'j') focus(at + 1);
    else if (e.key === 'k') focus(at - 1);
    else if (e.key === 'x') { var box = rows[at].querySelector('input[type=checkbox]'); box.checked = !box.checked; }
    else if (e.key === 'a') { var button = rows[at].querySelector('button.accept'); if (button) button.click(); }
    else return;
    e.preventDefault();
  });
})();
