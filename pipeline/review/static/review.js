// Every page: a form is sent once — a second click while the answer is on its way (a slow store,
// a long nightly write) would send it again, and the clerk would be shown the second answer.
// The queue (the page works without these): j/k move, a accepts, x ticks; a "select page" box
// ticks every row; accepting everything that matches asks first.
(function () {
  document.addEventListener('submit', function (e) {
    var form = e.target;
    if ((form.method || '').toLowerCase() !== 'post') return;
    if (form.dataset.sent) { e.preventDefault(); return; }
    form.dataset.sent = '1';
  });
  window.addEventListener('pageshow', function () {  // back to this page: its forms may be sent again
    document.querySelectorAll('form[data-sent]').forEach(function (form) { delete form.dataset.sent; });
  });
})();
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
  // The row being worked on is the one the focus is in (Tab, a click on its tick box): a and x act on
  // the row the clerk is looking at, never on one highlighted earlier.
  document.addEventListener('focusin', function (e) {
    var i = rows.indexOf(e.target.closest ? e.target.closest('.queue .row') : null);
    if (i >= 0 && i !== at) { rows[at].classList.remove('current'); at = i; rows[at].classList.add('current'); }
  });
  function typing(el) {  // a field that takes letters: j, k, a, x are typed there, not shortcuts
    var tag = (el.tagName || '').toLowerCase();
    if (tag === 'input') return ['checkbox', 'radio', 'button', 'submit'].indexOf(el.type) < 0;
    return tag === 'select' || tag === 'textarea' || el.isContentEditable;
  }
  document.addEventListener('keydown', function (e) {
    if (typing(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === 'j') focus(at + 1);
    else if (e.key === 'k') focus(at - 1);
    else if (e.key === 'x') { var box = rows[at].querySelector('input[type=checkbox]'); box.checked = !box.checked; }
    else if (e.key === 'a') { var button = rows[at].querySelector('button.accept'); if (button) button.click(); }
    else return;
    e.preventDefault();
  });
})();
